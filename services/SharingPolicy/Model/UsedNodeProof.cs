using Microsoft.EntityFrameworkCore;
using Platform.SharingPolicy.Infrastructure;

namespace Platform.SharingPolicy.Model;

/// <summary>
/// A node proof the owner has accepted, remembered by its jti until the proof could no longer pass its lifetime check,
/// so a captured grant+proof cannot be presented a second time.
/// </summary>
public sealed class UsedNodeProof
{
    public required string Jti { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>
    /// Records the proof as used; false if it already was. Commits at once (not with the delivery), so two concurrent
    /// fetches with one proof cannot both pass. Also forgets a few expired proofs, skipping rows another fetch is deleting.
    /// </summary>
    public static async Task<bool> TryUseAsync(SharingDbContext db, string jti, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await db.Database.ExecuteSqlAsync(
            $"DELETE FROM used_node_proofs WHERE jti IN (SELECT jti FROM used_node_proofs WHERE expires_at < {now} LIMIT 100 FOR UPDATE SKIP LOCKED)",
            cancellationToken);
        return await db.Database.ExecuteSqlAsync(
            $"INSERT INTO used_node_proofs (jti, expires_at) VALUES ({jti}, {expiresAt}) ON CONFLICT (jti) DO NOTHING", cancellationToken) == 1;
    }
}
