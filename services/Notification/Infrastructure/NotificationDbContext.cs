using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Notification.Model;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Notification.Infrastructure;

public sealed class NotificationDbContext(DbContextOptions<NotificationDbContext> options) : PlatformDbContext(options), IDataProtectionKeyContext
{
    public DbSet<Subscription> Subscriptions => Set<Subscription>();
    public DbSet<Delivery> Deliveries => Set<Delivery>();
    public DbSet<InboxItem> InboxItems => Set<InboxItem>();

    /// <summary>Data Protection keys that encrypt the webhook secrets, shared by every replica of the service.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>Set when deliveries are added, until the webhook dispatcher has been woken for them.</summary>
    internal bool HasNewDeliveries { get; set; }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.ApplyConfiguration(new SubscriptionConfiguration());
        modelBuilder.ApplyConfiguration(new DeliveryConfiguration());
        modelBuilder.ApplyConfiguration(new InboxItemConfiguration());
        modelBuilder.Entity<DataProtectionKey>().ToTable("data_protection_keys");
    }
}

internal sealed class SubscriptionConfiguration : IEntityTypeConfiguration<Subscription>
{
    public void Configure(EntityTypeBuilder<Subscription> builder)
    {
        builder.ToTable("subscriptions");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Department).HasMaxLength(40);
        builder.Property(s => s.Channel).HasMaxLength(20);
        builder.Property(s => s.Url).HasMaxLength(2000);
        builder.Property(s => s.Email).HasMaxLength(320);
        builder.Property(s => s.Secret).HasMaxLength(1000);
        builder.HasIndex(s => s.Department);
    }
}

internal sealed class DeliveryConfiguration : IEntityTypeConfiguration<Delivery>
{
    public const string Table = "deliveries";

    public void Configure(EntityTypeBuilder<Delivery> builder)
    {
        builder.ToTable(Table);
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Sequence).UseIdentityAlwaysColumn();
        builder.HasIndex(d => d.Sequence).IsUnique();
        builder.HasIndex(d => new { d.SubscriptionId, d.MessageId }).IsUnique();
        builder.HasIndex(d => new { d.Status, d.NextAttemptAt });
        builder.HasIndex(d => d.RecordId).HasFilter("record_id IS NOT NULL");
        builder.HasIndex(d => new { d.SubscriptionId, d.Sequence }).HasFilter("status = 'Pending'").HasDatabaseName("ix_deliveries_pending_per_subscription");
        builder.Property(d => d.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(d => d.EventType).HasMaxLength(100);
        builder.Property(d => d.Summary).HasMaxLength(1000);
        // text, not jsonb: the body is signed and sent byte for byte as stored.
        builder.Property(d => d.Payload).HasColumnType("text");
        builder.HasOne<Subscription>().WithMany().HasForeignKey(d => d.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class InboxItemConfiguration : IEntityTypeConfiguration<InboxItem>
{
    public void Configure(EntityTypeBuilder<InboxItem> builder)
    {
        builder.ToTable("inbox_items");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Sequence).UseIdentityAlwaysColumn();
        builder.HasIndex(i => i.Sequence).IsUnique();
        builder.HasIndex(i => new { i.Department, i.Sequence });
        builder.HasIndex(i => i.RecordId).HasFilter("record_id IS NOT NULL");
        builder.HasIndex(i => new { i.SubscriptionId, i.MessageId }).IsUnique();
        builder.Property(i => i.Department).HasMaxLength(40);
        builder.Property(i => i.EventType).HasMaxLength(100);
        builder.Property(i => i.Summary).HasMaxLength(1000);
        builder.Property(i => i.Payload).HasColumnType("text");
        builder.HasOne<Subscription>().WithMany().HasForeignKey(i => i.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
    }
}
