using Platform.Contracts;

namespace Platform.Authority;

/// <summary>
/// What enrolling (or rotating) a department hands its node: the private key it signs with (PKCS#8 PEM, also written to
/// <see cref="NodeKeyFile"/>), that key's id, and the directory entry the authority signed for it; and its SM2 message key's
/// file and id if it has one (null otherwise).
/// </summary>
public sealed record NodeEnrolment(string Department, string NodeKeyPem, string KeyId, SignedDirectoryEntry Entry, string NodeKeyFile,
    string KeyIdFile, string? MessageKeyFile = null, string? MessageKeyId = null);
