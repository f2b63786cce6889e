namespace Platform.ServiceDefaults.Persistence;

/// <summary>
/// Several messages of one batch could not be applied (the rest committed). Each of them faults with this exception, which
/// names every failed message and its reason; their retries arrive one per batch, so a message that fails for good ends
/// in the error queue with its own exception.
/// </summary>
public sealed class BatchMessagesFailedException : Exception
{
    public BatchMessagesFailedException(IReadOnlyList<(Guid? MessageId, Exception Exception)> failures)
        : base($"{failures.Count} messages of the batch could not be applied: "
            + string.Join("; ", failures.Select(f => $"{f.MessageId}: {f.Exception.GetType().Name}: {f.Exception.Message}")),
            failures[0].Exception) =>
        Failures = failures;

    public BatchMessagesFailedException() : this("Messages of a batch could not be applied.") { }

    public BatchMessagesFailedException(string message) : base(message) => Failures = [];

    public BatchMessagesFailedException(string message, Exception innerException) : base(message, innerException) => Failures = [];

    public IReadOnlyList<(Guid? MessageId, Exception Exception)> Failures { get; }
}
