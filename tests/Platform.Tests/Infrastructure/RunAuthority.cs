using Platform.Authority;

namespace Platform.Tests.Infrastructure;

/// <summary>
/// A coordinating authority of one test run's own, in a temporary folder: it enrols the run's departments (each node's
/// key under <c>nodes/{dept}</c>) and gives each node the <c>Trust__*</c> settings <c>deploy/local/platform</c> gives it.
/// </summary>
public sealed class RunAuthority : IDisposable
{
    private static readonly Dictionary<string, RunAuthority> ByRun = [];
    private readonly Lock _gate = new();

    public RunAuthority(string runId)
    {
        Folder = Path.Combine(Path.GetTempPath(), $"platform-authority-{runId}");
        Keys = AuthorityKeys.LoadOrCreate(Folder);
    }

    public string Folder { get; }

    /// <summary>The authority's key and directory, e.g. to sign an entry in a test.</summary>
    public AuthorityKeys Keys { get; }

    public string NodeFolder(string department) => Path.Combine(Folder, "nodes", department);

    /// <summary>
    /// Enrols <paramref name="department"/> with the gateway URL its node answers on (<paramref name="messageAlgorithm"/>
    /// SM2: with an SM2 message key too).
    /// </summary>
    public NodeEnrolment Enrol(string department, Uri gateway, string? messageAlgorithm = null)
    {
        lock (_gate) return Keys.Enrol(department, $"{department} (test)", gateway.ToString(), NodeFolder(department), messageAlgorithm);
    }

    public IReadOnlyDictionary<string, string> TrustSettings(NodeEnrolment enrolment)
    {
        var settings = new Dictionary<string, string>
        {
            ["Trust__AuthorityKeyFile"] = Keys.PublicKeyFile,
            ["Trust__NodeKeyFile"] = enrolment.NodeKeyFile,
            ["Trust__NodeKeyId"] = enrolment.KeyId,
            ["Trust__DirectoryFile"] = Keys.DirectoryFile,
        };
        if (enrolment is { MessageKeyFile: { } messageKeyFile, MessageKeyId: { } messageKeyId })
        {
            settings["Trust__MessageKeyFile"] = messageKeyFile;
            settings["Trust__MessageKeyId"] = messageKeyId;
        }
        return settings;
    }

    /// <summary>
    /// Trust settings for a node started on its own (<see cref="PlatformNode.DefaultTrust"/>): nodes of one run id share
    /// one authority, so two of them trust each other.
    /// </summary>
    public static IReadOnlyDictionary<string, string> EnrolStandalone(PlatformNode node)
    {
        RunAuthority authority;
        lock (ByRun)
        {
            if (!ByRun.TryGetValue(node.RunId, out authority!)) ByRun[node.RunId] = authority = new RunAuthority(node.RunId);
        }
        return authority.TrustSettings(authority.Enrol(node.Id, node.Gateway));
    }

    /// <summary>Deletes the folders of the authorities <see cref="EnrolStandalone"/> created.</summary>
    public static void DisposeStandalone()
    {
        lock (ByRun)
        {
            foreach (var authority in ByRun.Values) authority.Dispose();
            ByRun.Clear();
        }
    }

    public void Dispose()
    {
        Keys.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
