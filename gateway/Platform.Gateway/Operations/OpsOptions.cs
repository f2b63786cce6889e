namespace Platform.Gateway.Operations;

/// <summary>Where the ops overview finds the broker's management API (section <c>Ops</c>).</summary>
public sealed class OpsOptions
{
    public const string Section = "Ops";

    /// <summary>RabbitMQ management API base URL (e.g. http://127.0.0.1:15673/); credentials are those of ConnectionStrings:RabbitMq.</summary>
    public Uri? RabbitMqManagementUrl { get; set; }

    /// <summary>How long each probe of the overview may take.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(3);
}
