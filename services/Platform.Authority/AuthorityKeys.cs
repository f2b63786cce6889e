using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Platform.Contracts;

namespace Platform.Authority;

/// <summary>
/// The coordinating authority's signing key and the node directory it signs (one folder: <c>authority-key.pem</c>,
/// <c>authority.pub.pem</c>, <c>directory.json</c>). Enrolling a department gives its node a key pair and a signed
/// directory entry in the node's own folder; rotating replaces the node key, the old one staying valid for an overlap.
/// </summary>
public sealed class AuthorityKeys : IDisposable
{
    public const string PrivateKeyFileName = "authority-key.pem";
    public const string PublicKeyFileName = "authority.pub.pem";
    public const string DirectoryFileName = "directory.json";
    public const string NodeKeyFileName = "node-key.pem";
    public const string NodeKeyIdFileName = "node-key-id";
    public const string PreviousNodeKeyFileName = "node-key.previous.pem";
    public const string DirectoryEntryFileName = "directory-entry.json";
    public const string MessageKeyFileName = "message-key.pem";
    public const string MessageKeyIdFileName = "message-key-id";
    public const string Algorithm = NodeKeyAlgorithms.Es256;

    private static readonly JsonSerializerOptions DirectoryJson = new(JsonSerializerOptions.Web) { WriteIndented = true };
    private readonly ECDsa _key;
    private readonly TimeProvider _clock;

    private AuthorityKeys(string folder, ECDsa key, TimeProvider clock)
    {
        Folder = folder;
        _key = key;
        _clock = clock;
    }

    /// <summary>The authority's folder.</summary>
    public string Folder { get; }

    public string PublicKeyFile => Path.Combine(Folder, PublicKeyFileName);

    public string DirectoryFile => Path.Combine(Folder, DirectoryFileName);

    /// <summary>The trust anchor every node is configured with (SubjectPublicKeyInfo PEM).</summary>
    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    /// <summary>How long a new node key is valid.</summary>
    public TimeSpan KeyValidity { get; init; } = TimeSpan.FromDays(365);

    /// <summary>How long a rotated-out node key stays valid beside its successor.</summary>
    public static TimeSpan DefaultOverlap { get; } = TimeSpan.FromDays(7);

    /// <summary>Opens the authority in <paramref name="folder"/>, creating its key (and the folder) the first time.</summary>
    public static AuthorityKeys LoadOrCreate(string folder, TimeProvider? clock = null)
    {
        Directory.CreateDirectory(folder);
        var privateKey = Path.Combine(folder, PrivateKeyFileName);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (File.Exists(privateKey))
        {
            key.ImportFromPem(File.ReadAllText(privateKey));
        }
        else
        {
            KeyFiles.WriteSecret(privateKey, key.ExportPkcs8PrivateKeyPem());
        }
        var authority = new AuthorityKeys(Path.GetFullPath(folder), key, clock ?? TimeProvider.System);
        if (!File.Exists(authority.PublicKeyFile) || File.ReadAllText(authority.PublicKeyFile) != authority.PublicKeyPem)
        {
            KeyFiles.WritePublic(authority.PublicKeyFile, authority.PublicKeyPem);
        }
        if (!File.Exists(authority.DirectoryFile)) authority.WriteDirectory([]);
        return authority;
    }

    /// <summary>
    /// Enrols <paramref name="department"/>: creates its node key in <paramref name="nodeFolder"/> unless one is there
    /// already, and signs its entry. Enrolling again with the same name and gateway URL changes nothing. With
    /// <paramref name="messageAlgorithm"/> SM2 the node also gets an SM2 message key (<c>message-key.pem</c>), listed
    /// beside its ES256 key; a message key the node already has stays listed.
    /// </summary>
    public NodeEnrolment Enrol(string department, string name, string gatewayUrl, string nodeFolder, string? messageAlgorithm = null)
    {
        DepartmentId.Validate(department);
        if (messageAlgorithm is not (null or NodeKeyAlgorithms.Es256 or NodeKeyAlgorithms.Sm2))
        {
            throw new ArgumentException($"The message algorithm is {NodeKeyAlgorithms.Es256} (the node key) or {NodeKeyAlgorithms.Sm2}, not {messageAlgorithm}.");
        }
        Directory.CreateDirectory(nodeFolder);
        var now = Now();
        var keyFile = Path.Combine(nodeFolder, NodeKeyFileName);
        var keyIdFile = Path.Combine(nodeFolder, NodeKeyIdFileName);
        if (!File.Exists(keyFile) || !File.Exists(keyIdFile))
        {
            using var created = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            KeyFiles.WriteSecret(keyFile, created.ExportPkcs8PrivateKeyPem());
            KeyFiles.WritePublic(keyIdFile, NewKeyId(department, now, []));
        }
        var keyId = File.ReadAllText(keyIdFile).Trim();
        var keyPem = File.ReadAllText(keyFile);

        var current = EntryOf(department);
        var keys = current?.Keys.Where(k => k.NotAfter > now).ToList() ?? [];
        if (keys.All(k => k.KeyId != keyId)) keys.Add(new NodeKeyEntry(keyId, Algorithm, PublicKeyOf(keyPem), now, now + KeyValidity));
        var messageKeyFile = Path.Combine(nodeFolder, MessageKeyFileName);
        var messageKeyIdFile = Path.Combine(nodeFolder, MessageKeyIdFileName);
        if (messageAlgorithm == NodeKeyAlgorithms.Sm2 && (!File.Exists(messageKeyFile) || !File.Exists(messageKeyIdFile)))
        {
            var (privateKeyPem, _) = Sm2KeyPair.Generate();
            KeyFiles.WriteSecret(messageKeyFile, privateKeyPem);
            KeyFiles.WritePublic(messageKeyIdFile, NewKeyId($"{department}-sm2", now, []));
        }
        string? messageKeyId = null;
        if (File.Exists(messageKeyFile) && File.Exists(messageKeyIdFile))
        {
            messageKeyId = File.ReadAllText(messageKeyIdFile).Trim();
            var publicKey = Sm2KeyPair.PublicKeyOf(File.ReadAllText(messageKeyFile));
            if (keys.All(k => k.KeyId != messageKeyId)) keys.Add(new NodeKeyEntry(messageKeyId, NodeKeyAlgorithms.Sm2, publicKey, now, now + KeyValidity));
        }
        var signed = current is not null && current.Name == name && current.GatewayUrl == gatewayUrl && keys.SequenceEqual(current.Keys)
            ? SignedEntries().Single(s => Open(s)?.Department == department)
            : Publish(new DirectoryEntry(department, name, gatewayUrl, keys, now));
        KeyFiles.WritePublic(Path.Combine(nodeFolder, DirectoryEntryFileName), JsonSerializer.Serialize(signed, DirectoryJson));
        return messageKeyId is null
            ? new NodeEnrolment(department, keyPem, keyId, signed, keyFile, keyIdFile)
            : new NodeEnrolment(department, keyPem, keyId, signed, keyFile, keyIdFile, messageKeyFile, messageKeyId);
    }

    /// <summary>
    /// Gives <paramref name="department"/>'s node a new key. Its entry then lists the new key and the old one, valid for
    /// <paramref name="overlap"/> more (default 7 days); the old private key stays in <c>node-key.previous.pem</c>. Only the
    /// ES256 node key rotates: an SM2 message key stays listed as it was.
    /// </summary>
    public NodeEnrolment Rotate(string department, string nodeFolder, TimeSpan? overlap = null)
    {
        var current = EntryOf(department) ?? throw new InvalidOperationException($"{department} is not enrolled: enrol it first.");
        var keyFile = Path.Combine(nodeFolder, NodeKeyFileName);
        var keyIdFile = Path.Combine(nodeFolder, NodeKeyIdFileName);
        if (!File.Exists(keyFile)) throw new InvalidOperationException($"{keyFile} does not exist: enrol {department} first.");
        var now = Now();
        var until = now + (overlap ?? DefaultOverlap);
        var keys = current.Keys.Where(k => k.NotAfter > now)
            .Select(k => k.Algorithm == Algorithm && k.NotAfter > until ? k with { NotAfter = until } : k).ToList();

        using var created = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyPem = created.ExportPkcs8PrivateKeyPem();
        var keyId = NewKeyId(department, now, current.Keys.Select(k => k.KeyId).ToHashSet());
        keys.Add(new NodeKeyEntry(keyId, Algorithm, Convert.ToBase64String(created.ExportSubjectPublicKeyInfo()), now, now + KeyValidity));

        KeyFiles.WriteSecret(Path.Combine(nodeFolder, PreviousNodeKeyFileName), File.ReadAllText(keyFile));
        KeyFiles.WriteSecret(keyFile, keyPem);
        KeyFiles.WritePublic(keyIdFile, keyId);
        var signed = Publish(current with { Keys = keys, IssuedAt = now });
        KeyFiles.WritePublic(Path.Combine(nodeFolder, DirectoryEntryFileName), JsonSerializer.Serialize(signed, DirectoryJson));
        return new NodeEnrolment(department, keyPem, keyId, signed, keyFile, keyIdFile);
    }

    /// <summary>Signs an entry as the authority: the entry's JSON (web defaults, UTF-8) and a DER ECDSA P-256/SHA-256 signature over it.</summary>
    public SignedDirectoryEntry Sign(DirectoryEntry entry)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(entry, JsonSerializerOptions.Web);
        var signature = _key.SignData(bytes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return new SignedDirectoryEntry(Convert.ToBase64String(bytes), Convert.ToBase64String(signature));
    }

    /// <summary>The current entry of <paramref name="department"/> in the directory, if it is enrolled.</summary>
    public DirectoryEntry? EntryOf(string department) =>
        SignedEntries().Select(Open).FirstOrDefault(entry => entry?.Department == department);

    /// <summary>The directory as written in <c>directory.json</c>: one signed entry per department.</summary>
    public IReadOnlyList<SignedDirectoryEntry> SignedEntries() =>
        JsonSerializer.Deserialize<List<SignedDirectoryEntry>>(File.ReadAllText(DirectoryFile), JsonSerializerOptions.Web) ?? [];

    public void Dispose() => _key.Dispose();

    private SignedDirectoryEntry Publish(DirectoryEntry entry)
    {
        // Nodes keep a department's newest entry by its issue time: two entries issued within one second (an enrolment
        // and a rotation) must still be told apart.
        if (EntryOf(entry.Department) is { } held && entry.IssuedAt <= held.IssuedAt)
        {
            entry = entry with { IssuedAt = held.IssuedAt.AddSeconds(1) };
        }
        var signed = Sign(entry);
        var others = SignedEntries().Where(s => Open(s) is { } other && other.Department != entry.Department);
        WriteDirectory([.. others.Append(signed).OrderBy(s => Open(s)!.Department, StringComparer.Ordinal)]);
        return signed;
    }

    /// <summary>The entry inside <paramref name="signed"/> if this authority signed it.</summary>
    private DirectoryEntry? Open(SignedDirectoryEntry signed)
    {
        var bytes = Convert.FromBase64String(signed.Entry);
        return _key.VerifyData(bytes, Convert.FromBase64String(signed.Signature), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)
            ? JsonSerializer.Deserialize<DirectoryEntry>(bytes, JsonSerializerOptions.Web)
            : null;
    }

    private void WriteDirectory(IReadOnlyList<SignedDirectoryEntry> entries) =>
        KeyFiles.WritePublic(DirectoryFile, JsonSerializer.Serialize(entries, DirectoryJson));

    private DateTimeOffset Now()
    {
        var now = _clock.GetUtcNow();
        return new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
    }

    private static string PublicKeyOf(string privateKeyPem)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(privateKeyPem);
        return Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
    }

    private static string NewKeyId(string department, DateTimeOffset now, HashSet<string> taken)
    {
        var id = $"{department}-{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}";
        var candidate = id;
        for (var n = 2; taken.Contains(candidate); n++) candidate = $"{id}-{n}";
        return candidate;
    }
}
