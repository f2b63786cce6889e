using MassTransit;

namespace Platform.ServiceDefaults.Trust;

/// <summary>
/// The one place a message from the exchange is checked before any consumer runs (<see cref="MessageVerification"/>).
/// A refused message is not passed on: MassTransit moves what no consumer took to the endpoint's <c>_skipped</c> queue,
/// which is the quarantine operators inspect.
/// </summary>
public sealed class MessageVerificationFilter<T>(MessageVerification verification) : IFilter<ConsumeContext<T>>
    where T : class
{
    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        var verdict = verification.Check(context);
        if (verdict.Refusal is { } refusal)
        {
            await verification.QuarantineAsync(context, refusal);
            return;
        }
        await next.Send(context);
        verification.Remember(verdict);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("verify-crossing-message");
}
