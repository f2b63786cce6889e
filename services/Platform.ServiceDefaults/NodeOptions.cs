using System.ComponentModel.DataAnnotations;

namespace Platform.ServiceDefaults;

/// <summary>Who this node is: one department's installation of the platform.</summary>
public sealed class NodeOptions
{
    public const string Section = "Node";

    /// <summary>The department id, e.g. <c>dept-a</c>; prefixes queue names and tags every record.</summary>
    [Required, RegularExpression("^[a-z0-9][a-z0-9-]{0,39}$")]
    public string Id { get; set; } = "";

    public string Name { get; set; } = "";
}
