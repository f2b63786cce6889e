using System.ComponentModel.DataAnnotations;

namespace Platform.Audit.Model;

/// <summary>Settings of the audit log (section <c>Audit</c>).</summary>
public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>Hash of new entries: <c>sha256</c> (default) or <c>sm3</c>. Each entry records its own, so switching is safe.</summary>
    [Required, RegularExpression("^(sha256|sm3)$")]
    public string HashAlgorithm { get; set; } = ChainHash.Sha256;
}
