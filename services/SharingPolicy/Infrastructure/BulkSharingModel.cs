using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.SharingPolicy.Model;

namespace Platform.SharingPolicy.Infrastructure;

/// <summary>Tables of bulk requests and subscriptions (see <see cref="BulkAccessRequest"/>, <see cref="RecordSubscription"/>).</summary>
internal static class BulkSharingModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<BulkAccessRequest>(bulk =>
        {
            Ask(bulk, "bulk_access_requests");
            bulk.Property(b => b.RequesterDepartment).HasMaxLength(40);
            bulk.Property(b => b.Status).HasMaxLength(20);
            bulk.HasIndex(b => new { b.Direction, b.SubmittedAt });
        });
        modelBuilder.Entity<BulkRequestItem>(item =>
        {
            item.ToTable("bulk_access_request_items");
            item.HasKey(i => new { i.BulkRequestId, i.RequestId });
            item.HasIndex(i => i.RequestId).IsUnique();
        });
        modelBuilder.Entity<RecordSubscription>(subscription =>
        {
            Ask(subscription, "record_subscriptions");
            subscription.Property(s => s.SubscriberDepartment).HasMaxLength(40);
            subscription.Property(s => s.Status).HasMaxLength(20);
            subscription.HasIndex(s => new { s.Direction, s.Status });
        });
        modelBuilder.Entity<SubscriptionDelivery>(delivery =>
        {
            delivery.ToTable("subscription_deliveries");
            delivery.HasKey(d => new { d.SubscriptionId, d.RecordId });
            delivery.HasIndex(d => d.RequestId).IsUnique();
        });
    }

    private static void Ask<T>(EntityTypeBuilder<T> ask, string table) where T : RecordSelectionAsk
    {
        ask.ToTable(table);
        ask.HasKey(a => a.Id);
        ask.Ignore(a => a.Selection);
        ask.Property(a => a.Direction).HasMaxLength(10);
        ask.Property(a => a.OwnerDepartment).HasMaxLength(40);
        ask.Property(a => a.Purpose).HasMaxLength(500);
    }
}
