using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Contracts;

namespace Platform.ServiceDefaults.Trust;

/// <summary>
/// The departments this node believes in: only entries the coordinating authority signed (its public key is the one
/// thing configured a priori), loaded from Trust:DirectoryFile at start and updated by NodeAnnounced. For each department
/// the newest entry counts; an older one cannot roll a rotation back.
/// </summary>
public sealed partial class NodeDirectory
{
    private readonly ConcurrentDictionary<string, (DirectoryEntry Entry, SignedDirectoryEntry Signed)> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Department, string KeyId, string PublicKey), ECDsa> _keys = new();
    private readonly ConcurrentDictionary<(string Department, string KeyId, string Algorithm, string PublicKey), NodeVerificationKey?> _messageKeys = new();
    private readonly Lazy<ECDsa?> _authority;
    private readonly ILogger<NodeDirectory> _logger;
    private readonly TrustOptions _options;
    private readonly Lock _loading = new();
    private int _loaded;
    private (DateTime, long) _loadedVersion;
    private long _loadedAt;

    public NodeDirectory(IOptions<TrustOptions> options, ILogger<NodeDirectory> logger)
    {
        _options = options.Value;
        _logger = logger;
        _authority = new Lazy<ECDsa?>(() => LoadAuthorityKey(_options.AuthorityKeyFile));
    }

    /// <summary>A directory over a given authority key (tests, tools).</summary>
    public NodeDirectory(ECDsa authorityKey, ILogger<NodeDirectory> logger)
    {
        _options = new TrustOptions();
        _logger = logger;
        _authority = new Lazy<ECDsa?>(() => authorityKey);
        _loaded = 1;
    }

    public IReadOnlyCollection<DirectoryEntry> Entries
    {
        get
        {
            EnsureLoaded();
            return _entries.Values.Select(e => e.Entry).OrderBy(e => e.Department, StringComparer.Ordinal).ToList();
        }
    }

    public DirectoryEntry? Find(string department)
    {
        EnsureLoaded();
        return _entries.TryGetValue(department, out var found) ? found.Entry : null;
    }

    public SignedDirectoryEntry? SignedEntry(string department)
    {
        EnsureLoaded();
        return _entries.TryGetValue(department, out var found) ? found.Signed : null;
    }

    /// <summary>
    /// The ES256 key <paramref name="department"/>'s entry lists as <paramref name="keyId"/>, if it is valid at
    /// <paramref name="at"/>: what grants and node proofs are checked with (an SM2 key never verifies a token).
    /// </summary>
    public ECDsa? VerificationKey(string department, string keyId, DateTimeOffset at)
    {
        if (ListedKey(department, keyId, at) is not { Algorithm: NodeKeyAlgorithms.Es256 } key)
        {
            return null;
        }
        return _keys.GetOrAdd((department, key.KeyId, key.PublicKey), static k =>
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(k.PublicKey), out _);
            return ecdsa;
        });
    }

    /// <summary>
    /// The key <paramref name="department"/>'s entry lists as <paramref name="keyId"/>, valid at <paramref name="at"/>, of
    /// either algorithm: what message signatures are checked with, as that key's entry says (ES256 or SM2).
    /// </summary>
    public NodeVerificationKey? MessageKey(string department, string keyId, DateTimeOffset at) =>
        ListedKey(department, keyId, at) is { } key
            ? _messageKeys.GetOrAdd((department, key.KeyId, key.Algorithm, key.PublicKey), _ => NodeVerificationKey.From(key))
            : null;

    private NodeKeyEntry? ListedKey(string department, string keyId, DateTimeOffset at)
    {
        var key = Find(department)?.Keys.FirstOrDefault(k => k.KeyId == keyId);
        if (key is null && ReloadIfChanged())
        {
            key = Find(department)?.Keys.FirstOrDefault(k => k.KeyId == keyId);
        }
        return key is null || at < key.NotBefore || at > key.NotAfter ? null : key;
    }

    /// <summary>
    /// Takes an entry if the authority signed it and it is newer than the one held for its department. True when the
    /// signature verifies; <paramref name="entry"/> is then the department's current entry (the held one if it is newer).
    /// </summary>
    public bool TryAccept(SignedDirectoryEntry signedEntry, out DirectoryEntry? entry, out string? refusal)
    {
        EnsureLoaded();
        return Accept(signedEntry, out entry, out refusal);
    }

    private bool Accept(SignedDirectoryEntry signedEntry, out DirectoryEntry? entry, out string? refusal)
    {
        entry = null;
        if (_authority.Value is not { } authority)
        {
            refusal = "no authority key is configured (Trust:AuthorityKeyFile)";
            return false;
        }
        byte[] bytes, signature;
        try
        {
            bytes = Convert.FromBase64String(signedEntry.Entry);
            signature = Convert.FromBase64String(signedEntry.Signature);
        }
        catch (FormatException)
        {
            refusal = "entry or signature is not base64";
            return false;
        }
        if (!authority.VerifyData(bytes, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
        {
            refusal = "the authority's signature does not verify";
            return false;
        }
        try
        {
            entry = JsonSerializer.Deserialize<DirectoryEntry>(bytes, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            entry = null;
        }
        if (entry is null || string.IsNullOrEmpty(entry.Department) || entry.Keys is null)
        {
            refusal = "the signed entry is not a directory entry";
            return false;
        }
        var accepted = entry;
        // A genuine but older entry (a node announcing before its rotation reached it) leaves the newer one in place.
        entry = _entries.AddOrUpdate(entry.Department, _ => (accepted, signedEntry),
            (_, held) => held.Entry.IssuedAt < accepted.IssuedAt ? (accepted, signedEntry) : held).Entry;
        refusal = null;
        return true;
    }

    private void EnsureLoaded()
    {
        if (Volatile.Read(ref _loaded) == 1)
        {
            return;
        }
        // Messages arrive on many threads at start-up: each waits for the one read of the file, none sees it half read.
        lock (_loading)
        {
            if (_loaded == 0)
            {
                Load();
                Volatile.Write(ref _loaded, 1);
            }
        }
    }

    /// <summary>
    /// A key nobody announced yet may be in a directory file the authority has rewritten since (an enrolment or rotation
    /// reaches every service this way, not only those that consume announcements). A file's time is as coarse as the
    /// kernel's clock tick, so two writes may share one: past a second, the file is read again anyway.
    /// </summary>
    private bool ReloadIfChanged()
    {
        if (_options.DirectoryFile is not { Length: > 0 } path)
        {
            return false;
        }
        lock (_loading)
        {
            var file = new FileInfo(path);
            if ((file.LastWriteTimeUtc, file.Length) != _loadedVersion || Environment.TickCount64 - _loadedAt >= 1_000)
            {
                Load();
            }
        }
        // Read by this thread or by the one this thread waited for: either way the entries are in.
        return true;
    }

    private void Load()
    {
        if (_options.DirectoryFile is not { Length: > 0 } path)
        {
            return;
        }
        var file = new FileInfo(path);
        _loadedVersion = (file.LastWriteTimeUtc, file.Length);
        _loadedAt = Environment.TickCount64;
        List<SignedDirectoryEntry> entries;
        try
        {
            entries = JsonSerializer.Deserialize<List<SignedDirectoryEntry>>(File.ReadAllBytes(path), JsonSerializerOptions.Web) ?? [];
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            // The entries already held stay; the authority's next write is read on the next unknown key.
            LogUnreadable(_logger, path, ex.Message);
            return;
        }
        foreach (var item in entries)
        {
            if (!Accept(item, out _, out var refusal))
            {
                LogEntryRefused(_logger, path, refusal!);
            }
        }
    }

    private static ECDsa? LoadAuthorityKey(string? path)
    {
        if (path is not { Length: > 0 })
        {
            return null;
        }
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(path));
        return key;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The directory file {Path} cannot be read: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A directory entry in {Path} was refused: {Reason}")]
    private static partial void LogEntryRefused(ILogger logger, string path, string reason);
}
