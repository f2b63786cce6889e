using Platform.ServiceDefaults.Persistence;

namespace Platform.Audit.Infrastructure;

internal sealed class DesignTimeAuditDbContextFactory : DesignTimeFactory<AuditDbContext>;
