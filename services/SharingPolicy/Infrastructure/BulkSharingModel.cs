using Microsoft.EntityFrameworkCore;
using Platform.SharingPolicy.Model;

namespace Platform.SharingPolicy.Infrastructure;

/// <summary>Tables of bulk requests and subscriptions (see <see cref="BulkAccessRequest"/>, <see cref="RecordSubscription"/>).</summary>
internal static class BulkSharingModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<BulkAccessRequest>(bulk =>
        {
            bulk.ToTable("bulk_access_requests");
            bulk.HasKey(b => b.Id);
            bulk.Ignore(b => b.Selection);
            bulk.Property(b => b.Direction).HasMaxLength(10);
            bulk.Property(b => b.OwnerDepartment).HasMaxLength(40);
            bulk.Property(b => b.RequesterDepartment).HasMaxLength(40);
            bulk.Property(b => b.Status).HasMaxLength(20);
            bulk.Property(b => b.Purpose).HasMaxLength(500);
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
            subscription.ToTable("record_subscriptions");
            subscription.HasKey(s => s.Id);
            subscription.Ignore(s => s.Selection);
            subscription.Property(s => s.Direction).HasMaxLength(10);
            subscription.Property(s => s.OwnerDepartment).HasMaxLength(40);
            subscription.Property(s => s.SubscriberDepartment).HasMaxLength(40);
            subscription.Property(s => s.Status).HasMaxLength(20);
            subscription.Property(s => s.Purpose).HasMaxLength(500);
            subscription.HasIndex(s => new { s.Direction, s.Status });
        });
        modelBuilder.Entity<SubscriptionDelivery>(delivery =>
        {
            delivery.ToTable("subscription_deliveries");
            delivery.HasKey(d => new { d.SubscriptionId, d.RecordId });
            delivery.HasIndex(d => d.RequestId).IsUnique();
        });
    }
}
