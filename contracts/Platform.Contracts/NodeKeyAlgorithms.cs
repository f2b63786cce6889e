namespace Platform.Contracts;

/// <summary>The values of <see cref="NodeKeyEntry.Algorithm"/>: the algorithm decides how a key's signatures are checked.</summary>
public static class NodeKeyAlgorithms
{
    /// <summary>ECDSA P-256 with SHA-256: every node key, the only one that signs grants and node proofs (JOSE ES256).</summary>
    public const string Es256 = "ES256";

    /// <summary>SM2 with SM3 (GB/T 32918, GB/T 32905): an optional message-signing key beside the ES256 key.</summary>
    public const string Sm2 = "SM2";
}
