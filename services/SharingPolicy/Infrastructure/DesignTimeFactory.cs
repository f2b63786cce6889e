using Platform.ServiceDefaults.Persistence;

namespace Platform.SharingPolicy.Infrastructure;

internal sealed class DesignTimeSharingDbContextFactory : DesignTimeFactory<SharingDbContext>;
