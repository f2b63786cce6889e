namespace Platform.ServiceDefaults.Trust;

/// <summary>Which of the node's processes this is (catalogue, sharing, audit, notification, gateway).</summary>
public sealed record ServiceIdentity(string Name);
