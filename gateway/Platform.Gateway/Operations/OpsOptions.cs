namespace Platform.Gateway.Operations;

/// <summary>Where the ops overview finds the broker's management API (section <c>Ops</c>).</summary>
public sealed class OpsOptions
{
    public const string Section = "Ops";

    /// <summary>RabbitMQ management API base URL (e.g. http://127.0.0.1:15673/).</summary>
    public Uri? RabbitMqManagementUrl { get; set; }

    /// <summary>The department's own broker user (tag <c>management</c>: it sees its own vhost only); when not set, the user of ConnectionStrings:RabbitMq.</summary>
    public string? RabbitMqManagementUser { get; set; }

    /// <summary>Password of <see cref="RabbitMqManagementUser"/>; when not set, the password of ConnectionStrings:RabbitMq.</summary>
    public string? RabbitMqManagementPassword { get; set; }

    /// <summary>How long each probe of the overview may take.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(3);
}
