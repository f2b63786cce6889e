using Platform.ServiceDefaults.Persistence;

namespace Platform.Catalogue.Infrastructure;

internal sealed class DesignTimeCatalogueDbContextFactory : DesignTimeFactory<CatalogueDbContext>;
