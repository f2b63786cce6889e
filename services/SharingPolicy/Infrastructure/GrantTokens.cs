using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Platform.SharingPolicy.Model;

namespace Platform.SharingPolicy.Infrastructure;

/// <summary>
/// Grants are JWS (typ <c>grant+jwt</c>) signed with the owner's node key: jti = grant id, iss = owner, sub = requester,
/// plus record, request, fields, masks and exp. Node proofs (typ <c>node-proof+jwt</c>) are short-lived JWTs the requester
/// signs with its own node key for one fetch: iss = requester, aud = owner, grant = grant id.
/// </summary>
public sealed class GrantTokens(NodeKey key)
{
    public const string GrantType = "grant+jwt";
    public const string ProofType = "node-proof+jwt";
    public const string GrantHeader = "X-Platform-Grant";
    public const string ProofHeader = "X-Platform-Node-Proof";

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    public string SignGrant(Grant grant) => Handler.CreateToken(new SecurityTokenDescriptor
    {
        TokenType = GrantType,
        Issuer = grant.OwnerDepartment,
        IssuedAt = grant.IssuedAt.UtcDateTime,
        NotBefore = grant.IssuedAt.UtcDateTime,
        Expires = grant.ExpiresAt.UtcDateTime,
        SigningCredentials = key.Credentials,
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
        var now = DateTime.UtcNow;
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = ProofType,
            Issuer = requester,
            Audience = owner,
            IssuedAt = now,
            NotBefore = now.AddSeconds(-5),
            Expires = now + lifetime,
            SigningCredentials = key.Credentials,
            Claims = new Dictionary<string, object> { ["jti"] = Guid.NewGuid().ToString(), ["grant"] = grantId.ToString() },
        });
    }

    /// <summary>Checks a grant's signature (this node's key), issuer and type; lifetime is checked against the stored grant.</summary>
    public async Task<(bool Valid, JsonWebToken? Token)> ValidateGrantAsync(string token, string owner)
    {
        var result = await Handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKey = key.Key,
            ValidIssuer = owner,
            ValidateAudience = false,
            ValidateLifetime = false,
            ValidTypes = [GrantType],
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        });
        return (result.IsValid, result.IsValid ? (JsonWebToken)result.SecurityToken : null);
    }

    /// <summary>Checks a node proof against the claimed requester's key from the directory.</summary>
    public static async Task<TokenValidationResult> ValidateProofAsync(string proof, PeerNode requester, string owner, TimeSpan maxLifetime)
    {
        var result = await Handler.ValidateTokenAsync(proof, new TokenValidationParameters
        {
            IssuerSigningKey = NodeKey.FromJwk(requester.PublicKeyJwk),
            ValidIssuer = requester.Department,
            ValidAudience = owner,
            ValidTypes = [ProofType],
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            LifetimeValidator = (notBefore, expires, _, _) =>
                expires is { } e && notBefore is { } n && e - n <= maxLifetime + TimeSpan.FromSeconds(5)
                && n <= DateTime.UtcNow.AddSeconds(30) && e >= DateTime.UtcNow.AddSeconds(-30),
        });
        return result;
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
}
