namespace Platform.ServiceDefaults.Trust;

/// <summary>
/// What a node trusts and signs with (section <c>Trust</c>): the coordinating authority's public key (the trust anchor),
/// the authority-signed directory, and this node's own key as the authority enrolled it.
/// </summary>
public sealed class TrustOptions
{
    public const string Section = "Trust";

    /// <summary>PEM (SubjectPublicKeyInfo) of the authority's ECDSA P-256 key; nothing else is trusted a priori.</summary>
    public string? AuthorityKeyFile { get; set; }

    /// <summary>PEM (PKCS#8) of this node's private signing key.</summary>
    public string? NodeKeyFile { get; set; }

    /// <summary>The id under which the authority listed <see cref="NodeKeyFile"/>'s public key.</summary>
    public string? NodeKeyId { get; set; }

    /// <summary>PEM (PKCS#8) of this node's SM2 message-signing key, if it has one: messages are then signed with SM2/SM3.</summary>
    public string? MessageKeyFile { get; set; }

    /// <summary>The id under which the authority listed <see cref="MessageKeyFile"/>'s public key (algorithm SM2).</summary>
    public string? MessageKeyId { get; set; }

    /// <summary>JSON array of authority-signed directory entries, loaded at start (announcements update it later).</summary>
    public string? DirectoryFile { get; set; }

    /// <summary>How old a signed message may be when it arrives; messages held up longer (a hub outage) are refused.</summary>
    public TimeSpan MessageWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How far ahead of this node's clock a sender's clock may be.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);
}
