using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;

namespace Platform.Audit.Model;

/// <summary>The chain's hash functions: SHA-256 by default, SM3 (GB/T 32905, for Chinese e-archive requirements) selectable.</summary>
public static class ChainHash
{
    public const string Sha256 = "sha256";
    public const string Sm3 = "sm3";

    public static readonly IReadOnlyList<string> Supported = [Sha256, Sm3];

    public static bool IsSupported(string algorithm) => algorithm is Sha256 or Sm3;

    public static string Hex(string algorithm, ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[32];
        Compute(algorithm, data, digest);
        return Convert.ToHexStringLower(digest);
    }

    public static void Compute(string algorithm, ReadOnlySpan<byte> data, Span<byte> digest)
    {
        switch (algorithm)
        {
            case Sha256:
                SHA256.HashData(data, digest);
                break;
            case Sm3:
                var sm3 = new SM3Digest();
                sm3.BlockUpdate(data);
                sm3.DoFinal(digest);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown hash algorithm.");
        }
    }
}
