using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Audit.Model;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Audit.Infrastructure;

public sealed class AuditDbContext(DbContextOptions<AuditDbContext> options) : PlatformDbContext(options)
{
    public DbSet<AuditEntry> Entries => Set<AuditEntry>();

    public DbSet<OwnCheckpoint> Checkpoints => Set<OwnCheckpoint>();

    public DbSet<WitnessedCheckpoint> Witnessed => Set<WitnessedCheckpoint>();

    public DbSet<PeerKey> PeerKeys => Set<PeerKey>();

    public DbSet<TrafficBucket> TrafficBuckets => Set<TrafficBucket>();

    public DbSet<TrackedRequest> TrackedRequests => Set<TrackedRequest>();

    public DbSet<PublishedRecord> PublishedRecords => Set<PublishedRecord>();

    /// <summary>The log, its signed checkpoints, the peers' checkpoints witnessed and their pinned keys: history, never rewritten.</summary>
    public override IReadOnlyCollection<string> AppendOnlyTables =>
        ["audit_entries", "audit_checkpoints", "witnessed_checkpoints", "peer_keys"];

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.ApplyConfiguration(new AuditEntryConfiguration());
        modelBuilder.Entity<OwnCheckpoint>(checkpoint =>
        {
            checkpoint.ToTable("audit_checkpoints");
            checkpoint.HasKey(c => c.Sequence);
            checkpoint.Property(c => c.Sequence).ValueGeneratedNever();
            checkpoint.Property(c => c.Head).HasMaxLength(64);
            checkpoint.Property(c => c.KeyId).HasMaxLength(64);
        });
        modelBuilder.Entity<WitnessedCheckpoint>(witnessed =>
        {
            witnessed.ToTable("witnessed_checkpoints");
            witnessed.HasKey(w => new { w.Node, w.Sequence });
            witnessed.Property(w => w.Node).HasMaxLength(40);
            witnessed.Property(w => w.Head).HasMaxLength(64);
            witnessed.Property(w => w.KeyId).HasMaxLength(64);
        });
        modelBuilder.Entity<PeerKey>(key =>
        {
            key.ToTable("peer_keys");
            key.HasKey(k => k.Node);
            key.Property(k => k.Node).HasMaxLength(40);
            key.Property(k => k.KeyId).HasMaxLength(64);
        });
        modelBuilder.Entity<TrafficBucket>(bucket =>
        {
            bucket.ToTable("traffic_buckets");
            bucket.HasKey(b => new { b.Granularity, b.BucketStart, b.FromDepartment, b.ToDepartment, b.Kind, b.Outcome });
            bucket.Property(b => b.Granularity).HasMaxLength(8);
            bucket.Property(b => b.FromDepartment).HasMaxLength(40);
            bucket.Property(b => b.ToDepartment).HasMaxLength(40);
            bucket.Property(b => b.Kind).HasMaxLength(60);
            bucket.Property(b => b.Outcome).HasMaxLength(40);
        });
        modelBuilder.Entity<TrackedRequest>(request =>
        {
            request.ToTable("tracked_requests");
            request.HasKey(r => r.RequestId);
            request.Property(r => r.RequestId).ValueGeneratedNever();
            request.Property(r => r.OwnerDepartment).HasMaxLength(40);
            request.Property(r => r.RequesterDepartment).HasMaxLength(40);
            request.Property(r => r.Decision).HasMaxLength(20);
            request.HasIndex(r => new { r.OwnerDepartment, r.SubmittedAt });
        });
        modelBuilder.Entity<PublishedRecord>(record =>
        {
            record.ToTable("published_records");
            record.HasKey(r => r.RecordId);
            record.Property(r => r.RecordId).ValueGeneratedNever();
            record.Property(r => r.Department).HasMaxLength(40);
            record.Property(r => r.Sharing).HasMaxLength(20);
            record.HasIndex(r => new { r.Department, r.FirstPublishedAt });
        });
    }
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable("audit_entries");
        builder.HasKey(e => e.Sequence);
        builder.Property(e => e.Sequence).ValueGeneratedNever();
        builder.Property(e => e.Department).HasMaxLength(AuditEntry.DepartmentLength);
        builder.Property(e => e.Actor).HasMaxLength(AuditEntry.ActorLength);
        builder.Property(e => e.Action).HasMaxLength(AuditEntry.ActionLength);
        builder.Property(e => e.Subject).HasMaxLength(AuditEntry.SubjectLength);
        builder.Property(e => e.Outcome).HasMaxLength(AuditEntry.OutcomeLength);
        builder.Property(e => e.TraceId).HasMaxLength(AuditEntry.TraceIdLength);
        // text, not jsonb: the hash covers the exact bytes, and jsonb would reorder keys.
        builder.Property(e => e.Details).HasColumnType("text");
        builder.Property(e => e.PreviousHash).HasMaxLength(64);
        builder.Property(e => e.Hash).HasMaxLength(64);
        builder.Property(e => e.HashAlgorithm).HasMaxLength(16).HasDefaultValue(ChainHash.Sha256);
        builder.HasIndex(e => e.Subject);
        builder.HasIndex(e => e.OccurredAt);
        builder.HasIndex(e => e.Action);
    }
}
