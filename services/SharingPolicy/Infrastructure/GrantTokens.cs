using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Platform.ServiceDefaults.Trust;
using Platform.SharingPolicy.Model;

namespace Platform.SharingPolicy.Infrastructure;

/// <summary>
/// Grants are JWS (typ <c>grant+jwt</c>, ES256) signed with the owner's node key: jti = grant id, iss = owner, sub = requester,
/// plus record, request, fields, masks and exp. Node proofs (typ <c>node-proof+jwt</c>, ES256) are short-lived JWTs the
/// requester signs with its own node key for one fetch: iss = requester, aud = owner, grant = grant id, jti used once.
/// Both carry the key id (kid) the authority listed the key under; they verify only against keys from the signed directory.
/// </summary>
public sealed class GrantTokens(NodeSigningKey key, NodeDirectory directory, TimeProvider clock)
{
    public const string GrantType = "grant+jwt";
    public const string ProofType = "node-proof+jwt";
    public const string GrantHeader = "X-Platform-Grant";
    public const string ProofHeader = "X-Platform-Node-Proof";

    /// <summary>How far the requester's clock may be from the owner's when a proof is checked.</summary>
    public static readonly TimeSpan ProofClockSkew = TimeSpan.FromSeconds(30);

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    // NodeSigningKey loads its file on first use; so does this.
    private SigningCredentials? _credentials;

    private SigningCredentials Credentials => _credentials ??=
        new SigningCredentials(new ECDsaSecurityKey(key.Key) { KeyId = key.KeyId }, SecurityAlgorithms.EcdsaSha256);

    public string SignGrant(Grant grant) => Handler.CreateToken(new SecurityTokenDescriptor
    {
        TokenType = GrantType,
        Issuer = grant.OwnerDepartment,
        IssuedAt = grant.IssuedAt.UtcDateTime,
        NotBefore = grant.IssuedAt.UtcDateTime,
        Expires = grant.ExpiresAt.UtcDateTime,
        SigningCredentials = Credentials,
        Claims = new Dictionary<string, object>
        {
            ["jti"] = grant.Id.ToString(),
            ["sub"] = grant.RequesterDepartment,
            ["record"] = grant.RecordId.ToString(),
            ["request"] = grant.RequestId.ToString(),
            ["fields"] = grant.Fields,
            ["masks"] = grant.Masks,
        },
    });

    public string SignProof(string requester, string owner, Guid grantId, TimeSpan lifetime)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = ProofType,
            Issuer = requester,
            Audience = owner,
            IssuedAt = now,
            NotBefore = now.AddSeconds(-5),
            Expires = now + lifetime,
            SigningCredentials = Credentials,
            Claims = new Dictionary<string, object> { ["jti"] = Guid.NewGuid().ToString(), ["grant"] = grantId.ToString() },
        });
    }

    /// <summary>
    /// Checks a grant's signature, issuer and type. The key is one this node's directory entry lists and is valid now (a
    /// rotated-out key still counts during its overlap), or this node's current key; lifetime is checked against the stored grant.
    /// </summary>
    public async Task<(bool Valid, JsonWebToken? Token)> ValidateGrantAsync(string token, string owner)
    {
        var now = clock.GetUtcNow();
        var result = await Handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKeyResolver = (_, _, kid, _) =>
                Resolve(kid, k => directory.VerificationKey(owner, k, now) ?? (k == key.KeyId ? key.Key : null)),
            ValidIssuer = owner,
            ValidateAudience = false,
            ValidateLifetime = false,
            ValidTypes = [GrantType],
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
        });
        return (result.IsValid, result.IsValid ? (JsonWebToken)result.SecurityToken : null);
    }

    /// <summary>
    /// Checks a node proof against the key <paramref name="requester"/>'s signed directory entry lists under the proof's kid,
    /// valid now: never a key the caller supplies. The proof must be short-lived, current and carry a jti.
    /// </summary>
    public async Task<(bool Valid, JsonWebToken? Token)> ValidateProofAsync(string proof, string requester, string owner, TimeSpan maxLifetime)
    {
        var now = clock.GetUtcNow();
        var result = await Handler.ValidateTokenAsync(proof, new TokenValidationParameters
        {
            IssuerSigningKeyResolver = (_, _, kid, _) => Resolve(kid, k => directory.VerificationKey(requester, k, now)),
            ValidIssuer = requester,
            ValidAudience = owner,
            ValidTypes = [ProofType],
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            RequireExpirationTime = true,
            LifetimeValidator = (notBefore, expires, _, _) =>
                expires is { } e && notBefore is { } n && e - n <= maxLifetime + TimeSpan.FromSeconds(5)
                && n <= (now + ProofClockSkew).UtcDateTime && e >= (now - ProofClockSkew).UtcDateTime,
        });
        var valid = result.IsValid && result.SecurityToken is JsonWebToken { Id.Length: > 0 };
        return (valid, valid ? (JsonWebToken)result.SecurityToken : null);
    }

    /// <summary>The issuer a token claims, read without validation (to find whose key to check it with).</summary>
    public static string? ClaimedIssuer(string token)
    {
        try
        {
            return new JsonWebToken(token).Issuer;
        }
        catch (ArgumentException)
        {
            // Includes SecurityTokenMalformedException: not a JWT at all.
            return null;
        }
    }

    private static IEnumerable<SecurityKey> Resolve(string? kid, Func<string, ECDsa?> find) =>
        kid is { Length: > 0 } && find(kid) is { } ecdsa ? [new ECDsaSecurityKey(ecdsa) { KeyId = kid }] : [];
}
