namespace Platform.ServiceDefaults.Trust;

/// <summary>Why a message was refused: <see cref="Reason"/> is a short fixed word (the metric's tag), <see cref="Detail"/> says more.</summary>
public sealed record MessageRefusal(string Reason, string Detail)
{
    public const string NotSigned = "unsigned";
    public const string UnknownKey = "unknown-key";
    public const string BadSignature = "bad-signature";
    public const string WrongSender = "wrong-sender";
    public const string WrongDestination = "wrong-destination";
    public const string Stale = "stale";
    public const string Replayed = "replayed";
    public const string BadDirectoryEntry = "bad-directory-entry";
    public const string NotCrossing = "not-crossing";
}
