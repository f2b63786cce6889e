using System.ComponentModel.DataAnnotations;

namespace Platform.Audit.Model;

/// <summary>Settings of the audit log (section <c>Audit</c>).</summary>
public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>Hash of new entries: <c>sha256</c> (default) or <c>sm3</c>. Each entry records its own, so switching is safe.</summary>
    [Required, RegularExpression("^(sha256|sm3)$")]
    public string HashAlgorithm { get; set; } = ChainHash.Sha256;

    /// <summary>
    /// The node's checkpoint and export signing key (ECDSA P-256, PEM), created mode 600 on first start. A file, not a
    /// database row, so the database's roles cannot read it.
    /// </summary>
    [Required(ErrorMessage = "Audit:SigningKeyPath is not set: the audit service signs checkpoints with a key kept in that file (mode 600), outside its database (see docs/SECURITY.md).")]
    public string SigningKeyPath { get; set; } = "";
}
