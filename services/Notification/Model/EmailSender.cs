using System.Text.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Platform.Notification.Model;

public sealed class SmtpOptions
{
    public const string Section = "Notification:Smtp";

    /// <summary>The SMTP server; when empty, e-mail subscriptions are refused.</summary>
    public string? Host { get; set; }
    public int Port { get; set; } = 587;

    /// <summary><c>Auto</c>, <c>None</c>, <c>StartTls</c>, <c>StartTlsWhenAvailable</c> or <c>SslOnConnect</c> (MailKit's SecureSocketOptions).</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.Auto;
    public string? UserName { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "notification@localhost";
    public string FromName { get; set; } = "档案信息资源共享平台";

    public bool Configured => !string.IsNullOrWhiteSpace(Host);
}

/// <summary>Sends one notification as a UTF-8 plain-text e-mail through the configured SMTP server (MailKit).</summary>
public sealed class EmailSender(IOptions<SmtpOptions> options)
{
    public async Task SendAsync(Delivery delivery, Subscription subscription, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(settings.FromName, settings.From));
        message.To.Add(MailboxAddress.Parse(subscription.Email!));
        message.Subject = $"[{delivery.EventType}] {delivery.Summary}";
        message.Headers.Add("X-Notification-Id", delivery.Id.ToString());
        using var payload = JsonDocument.Parse(delivery.Payload);
        var data = JsonSerializer.Serialize(payload.RootElement.GetProperty("data"), Indented);
        message.Body = new TextPart("plain")
        {
            Text = $"{delivery.Summary}\n\n事件类型 Event: {delivery.EventType}\n时间 Time: {delivery.CreatedAt:yyyy-MM-dd HH:mm:ss zzz}\n通知编号 Id: {delivery.Id}\n\n{data}\n",
        };

        using var client = new SmtpClient();
        await client.ConnectAsync(settings.Host!, settings.Port, settings.Security, cancellationToken);
        if (!string.IsNullOrEmpty(settings.UserName))
        {
            await client.AuthenticateAsync(settings.UserName, settings.Password ?? "", cancellationToken);
        }
        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
    }

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
