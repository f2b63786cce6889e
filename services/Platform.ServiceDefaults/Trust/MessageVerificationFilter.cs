using System.Collections.Concurrent;
using MassTransit;

namespace Platform.ServiceDefaults.Trust;

/// <summary>
/// The one place a message from the exchange is checked (<see cref="MessageVerification"/>): on every receive endpoint,
/// before MassTransit hands the message to a consumer, a saga or a batch. A refused message is not passed on: MassTransit
/// moves what no consumer took to the endpoint's <c>_skipped</c> queue, which is the quarantine operators inspect.
/// </summary>
public sealed class MessageVerificationFilter(MessageVerification verification) : IFilter<ConsumeContext>
{
    private static readonly ConcurrentDictionary<Type, Func<MessageVerification, ConsumeContext, IPipe<ConsumeContext>, Task>> Typed = new();

    public Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        foreach (var crossing in CrossingMessages.Types)
        {
            if (context.HasMessageType(crossing.Type))
            {
                return Typed.GetOrAdd(crossing.Type, Create)(verification, context, next);
            }
        }
        return MessageVerification.CheckLocal(context) is { } refusal ? verification.QuarantineAsync(context, null, refusal) : next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("verify-crossing-message");

    private static Func<MessageVerification, ConsumeContext, IPipe<ConsumeContext>, Task> Create(Type type) =>
        typeof(MessageVerificationFilter).GetMethod(nameof(SendTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(type).CreateDelegate<Func<MessageVerification, ConsumeContext, IPipe<ConsumeContext>, Task>>();

    private static async Task SendTyped<T>(MessageVerification verification, ConsumeContext context, IPipe<ConsumeContext> next) where T : class
    {
        if (!context.TryGetMessage<T>(out var typed))
        {
            await verification.QuarantineAsync(context, typeof(T), new MessageRefusal(MessageRefusal.NotSigned, "the message body cannot be read"));
            return;
        }
        var verdict = verification.Check(typed);
        if (verdict.Refusal is { } refusal)
        {
            await verification.QuarantineAsync(context, typeof(T), refusal);
            return;
        }
        await next.Send(context);
        verification.Remember(verdict);
    }
}
