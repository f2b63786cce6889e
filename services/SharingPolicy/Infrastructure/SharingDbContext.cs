using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Platform.Contracts;
using Platform.ServiceDefaults.Persistence;
using Platform.SharingPolicy.Model;
using Platform.SharingPolicy.Saga;

namespace Platform.SharingPolicy.Infrastructure;

public sealed class SharingDbContext(DbContextOptions<SharingDbContext> options) : PlatformDbContext(options)
{
    public DbSet<SharedRecord> Records => Set<SharedRecord>();
    public DbSet<PeerRecord> PeerRecords => Set<PeerRecord>();
    public DbSet<PeerNode> Nodes => Set<PeerNode>();
    public DbSet<UsedNodeProof> UsedNodeProofs => Set<UsedNodeProof>();
    public DbSet<SharingRule> Rules => Set<SharingRule>();
    public DbSet<SharingRuleVersion> RuleVersions => Set<SharingRuleVersion>();
    public DbSet<AccessRequest> Requests => Set<AccessRequest>();
    public DbSet<AccessRequestEvent> RequestEvents => Set<AccessRequestEvent>();
    public DbSet<Grant> Grants => Set<Grant>();
    public DbSet<BulkAccessRequest> BulkRequests => Set<BulkAccessRequest>();
    public DbSet<BulkRequestItem> BulkRequestItems => Set<BulkRequestItem>();
    public DbSet<RecordSubscription> Subscriptions => Set<RecordSubscription>();
    public DbSet<SubscriptionDelivery> SubscriptionDeliveries => Set<SubscriptionDelivery>();
    public DbSet<DeferredMessage> DeferredMessages => Set<DeferredMessage>();

    private static readonly ValueComparer<Dictionary<string, string>> DictionaryComparer = new(
        (a, b) => a != null && b != null && a.Count == b.Count && !a.Except(b).Any(),
        d => d.Aggregate(0, (hash, pair) => HashCode.Combine(hash, pair.Key.GetHashCode(StringComparison.Ordinal), pair.Value.GetHashCode(StringComparison.Ordinal))),
        d => new Dictionary<string, string>(d));

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.Entity<SharedRecord>(record =>
        {
            record.ToTable("shared_records");
            record.HasKey(r => r.RecordId);
            record.Property(r => r.Sharing).HasMaxLength(20);
            record.HasIndex(r => new { r.FondsCode, r.Category });
        });
        modelBuilder.Entity<PeerRecord>(record =>
        {
            record.ToTable("peer_records");
            record.HasKey(r => r.RecordId);
            record.Property(r => r.Department).HasMaxLength(40);
        });
        modelBuilder.Entity<PeerNode>(node =>
        {
            node.ToTable("nodes");
            node.HasKey(n => n.Department);
            node.Property(n => n.Department).HasMaxLength(40);
            node.Property(n => n.Keys).HasColumnType("jsonb").HasConversion(
                v => JsonSerializer.Serialize(v, JsonSerializerOptions.Web),
                s => JsonSerializer.Deserialize<List<NodeKeyEntry>>(s, JsonSerializerOptions.Web) ?? new List<NodeKeyEntry>(),
                new ValueComparer<List<NodeKeyEntry>>((a, b) => a != null && b != null && a.SequenceEqual(b), l => l.Count, l => l.ToList()));
        });
        modelBuilder.Entity<UsedNodeProof>(proof =>
        {
            proof.ToTable("used_node_proofs");
            proof.HasKey(p => p.Jti);
            proof.HasIndex(p => p.ExpiresAt);
        });
        modelBuilder.Entity<SharingRule>(rule =>
        {
            rule.ToTable("sharing_rules");
            rule.HasKey(r => r.Name);
            rule.Property(r => r.Name).HasMaxLength(100);
            rule.Property(r => r.Sharing).HasMaxLength(20);
            rule.Property(r => r.Masks).HasColumnType("jsonb").HasConversion(
                v => JsonSerializer.Serialize(v, JsonSerializerOptions.Web),
                s => JsonSerializer.Deserialize<Dictionary<string, string>>(s, JsonSerializerOptions.Web) ?? new Dictionary<string, string>(),
                DictionaryComparer);
            rule.Property(r => r.CatalogueMasks).HasColumnType("jsonb").HasConversion(
                v => JsonSerializer.Serialize(v, JsonSerializerOptions.Web),
                s => JsonSerializer.Deserialize<Dictionary<string, string>>(s, JsonSerializerOptions.Web) ?? new Dictionary<string, string>(),
                DictionaryComparer);
        });
        modelBuilder.Entity<SharingRuleVersion>(version =>
        {
            version.ToTable("sharing_rule_versions");
            version.HasKey(v => new { v.Name, v.Version });
            version.Property(v => v.Snapshot).HasColumnType("jsonb");
        });
        modelBuilder.Entity<AccessRequest>(request =>
        {
            request.ToTable("access_requests");
            request.HasKey(r => r.Id);
            request.Property(r => r.Direction).HasMaxLength(10);
            request.Property(r => r.Status).HasMaxLength(20);
            request.Property(r => r.Purpose).HasMaxLength(500);
            request.Property(r => r.Concurrency).IsRowVersion();
            request.HasMany(r => r.History).WithOne().HasForeignKey(e => e.RequestId);
            request.HasIndex(r => new { r.Direction, r.Status, r.SubmittedAt });
            request.Ignore(r => r.Verdict);
        });
        modelBuilder.Entity<DeferredMessage>(message =>
        {
            message.ToTable("deferred_messages");
            message.HasKey(m => m.TokenId);
            message.Property(m => m.Destination).HasMaxLength(300);
            message.Property(m => m.MessageType).HasMaxLength(300);
            message.Property(m => m.Body).HasColumnType("jsonb");
            message.HasIndex(m => m.DueAt);
        });
        modelBuilder.Entity<AccessRequestEvent>(e =>
        {
            e.ToTable("access_request_events");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).UseIdentityAlwaysColumn();
            e.Property(x => x.Status).HasMaxLength(30);
        });
        modelBuilder.Entity<Grant>(grant =>
        {
            grant.ToTable("grants");
            grant.HasKey(g => g.Id);
            grant.Property(g => g.Direction).HasMaxLength(10);
            grant.Property(g => g.Masks).HasColumnType("jsonb").HasConversion(
                v => JsonSerializer.Serialize(v, JsonSerializerOptions.Web),
                s => JsonSerializer.Deserialize<Dictionary<string, string>>(s, JsonSerializerOptions.Web) ?? new Dictionary<string, string>(),
                DictionaryComparer);
            grant.HasIndex(g => g.RequestId);
        });
        BulkSharingModel.Configure(modelBuilder);
    }
}
