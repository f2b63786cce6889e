using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Platform.Catalogue.Model;
using Platform.Contracts;

namespace Platform.Catalogue.Infrastructure;

/// <summary>
/// Attachment verification re-reads and hashes a whole stored file (up to the upload limit), so each client may ask for
/// only <see cref="AttachmentOptions.VerificationsPerMinute"/> a minute; more get a 429 problem with Retry-After.
/// </summary>
internal static class VerificationRateLimit
{
    public const string Policy = "attachment-verification";

    public static IServiceCollection AddVerificationRateLimit(this IServiceCollection services) =>
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(Policy, context =>
            {
                var permits = context.RequestServices.GetRequiredService<IOptions<AttachmentOptions>>().Value.VerificationsPerMinute;
                var client = context.User.FindFirst(PlatformClaims.ClientId)?.Value ?? context.User.FindFirst(PlatformClaims.Subject)?.Value ?? "";
                return RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = permits,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
            options.OnRejected = async (rejected, cancellationToken) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                var seconds = (int)Math.Ceiling(retryAfter.TotalSeconds);
                var http = rejected.HttpContext;
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many verifications",
                        Detail = $"This client has asked for more attachment verifications than allowed per minute; retry after {seconds} s.",
                    },
                });
            };
        });
}
