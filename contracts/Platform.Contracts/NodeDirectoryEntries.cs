namespace Platform.Contracts;

/// <summary>
/// One department's entry in the node directory, as the coordinating authority signs it: who the department is, where its
/// gateway answers, and the public keys its node signs messages, grants and proofs with. Nothing in it counts unless it
/// arrives inside a <see cref="SignedDirectoryEntry"/> that verifies against the authority's key.
/// </summary>
public sealed record DirectoryEntry(
    string Department,
    string Name,
    string GatewayUrl,
    IReadOnlyList<NodeKeyEntry> Keys,
    DateTimeOffset IssuedAt);

/// <summary>
/// A node key: <see cref="Algorithm"/> <c>ES256</c> (ECDSA P-256 with SHA-256) or <c>SM2</c> (SM2 with SM3);
/// <see cref="PublicKey"/> is the SubjectPublicKeyInfo, base64. Two keys overlap while one is rotated out.
/// </summary>
public sealed record NodeKeyEntry(string KeyId, string Algorithm, string PublicKey, DateTimeOffset NotBefore, DateTimeOffset NotAfter);

/// <summary>
/// A directory entry with the authority's signature: <see cref="Entry"/> is the entry's JSON (UTF-8, base64) exactly as
/// signed, <see cref="Signature"/> the authority's ECDSA P-256/SHA-256 signature over those bytes (DER, base64).
/// </summary>
public sealed record SignedDirectoryEntry(string Entry, string Signature);
