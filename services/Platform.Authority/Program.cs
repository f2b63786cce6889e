using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Platform.Authority;

// The coordinating authority's tool: its key and signed node directory, and the exchange's broker topology.
// Run without arguments for the usage.
const string Usage = """
    Usage: Platform.Authority <command> [options]

      init                          create the authority key (once) and an empty directory
      enrol <dept> --name N --gateway-url U [--node-dir D] [--message-algorithm ES256|SM2]
                                    give <dept> a node key (unless it has one) and sign its directory entry;
                                    SM2: also an SM2 message key (messages signed with SM2/SM3)
      rotate <dept> [--overlap-days 7] [--node-dir D]
                                    a new node key for <dept>; the old one stays valid for the overlap
      broker --management-url U --admin-user A (--admin-password P | --admin-password-file F) --host H
             --amqp-port N [--link-port N] [--prefix p] [--out FILE] <dept>...
                                    set up the hub and the departments' vhosts, users, federation and shovels;
                                    writes each department's amqp URI as JSON to FILE (kept passwords come from it) or stdout

      --authority D                 the authority's folder (default: ./authority); a node's folder defaults to D/nodes/<dept>
    """;

if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

try
{
    var command = new CommandLine(args.Skip(1));
    var folder = command.Optional("authority") ?? "authority";
    string NodeFolder(string department) => command.Optional("node-dir") ?? Path.Combine(folder, "nodes", department);
    string Department() => command.Positional.SingleOrDefault() ?? throw new ArgumentException($"{args[0]} takes one department id.");

    switch (args[0])
    {
        case "init":
        {
            using var authority = AuthorityKeys.LoadOrCreate(folder);
            Console.WriteLine($"authority key: {authority.PublicKeyFile}");
            Console.WriteLine($"directory:     {authority.DirectoryFile}");
            return 0;
        }
        case "enrol":
        {
            var department = Department();
            using var authority = AuthorityKeys.LoadOrCreate(folder);
            var enrolment = authority.Enrol(department, command.Required("name"), command.Required("gateway-url"), NodeFolder(department),
                command.Optional("message-algorithm"));
            Console.WriteLine($"{department} enrolled: key {enrolment.KeyId} in {enrolment.NodeKeyFile}");
            if (enrolment.MessageKeyId is { } messageKeyId) Console.WriteLine($"{department} signs messages with SM2: key {messageKeyId} in {enrolment.MessageKeyFile}");
            return 0;
        }
        case "rotate":
        {
            var department = Department();
            using var authority = AuthorityKeys.LoadOrCreate(folder);
            var overlap = command.Number("overlap-days") is { } days ? TimeSpan.FromDays(days) : AuthorityKeys.DefaultOverlap;
            var enrolment = authority.Rotate(department, NodeFolder(department), overlap);
            Console.WriteLine($"{department} rotated: new key {enrolment.KeyId}; the previous key stays valid for {overlap.TotalDays:0} days");
            return 0;
        }
        case "broker":
            return await BrokerAsync(command);
        default:
            Console.Error.WriteLine(Usage);
            return 2;
    }
}
catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException or IOException or HttpRequestException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}

static async Task<int> BrokerAsync(CommandLine command)
{
    if (command.Positional.Count == 0) throw new ArgumentException("broker needs at least one department id.");
    var adminUser = command.Required("admin-user");
    var adminPassword = command.Optional("admin-password")
        ?? (command.Optional("admin-password-file") is { } file ? File.ReadAllText(file).Trim() : throw new ArgumentException("--admin-password or --admin-password-file is required."));
    var output = command.Optional("out");
    var kept = output is not null && File.Exists(output)
        ? JsonSerializer.Deserialize<Dictionary<string, Uri>>(File.ReadAllText(output))!
            .ToDictionary(p => p.Key, p => Uri.UnescapeDataString(p.Value.UserInfo.Split(':', 2)[1]))
        : null;
    var options = new BrokerTopologyOptions
    {
        Prefix = command.Optional("prefix") ?? "",
        Departments = command.Positional,
        Host = command.Required("host"),
        AmqpPort = command.Number("amqp-port") ?? throw new ArgumentException("--amqp-port is required."),
        LinkPort = command.Number("link-port"),
        AdminUser = adminUser,
        AdminPassword = adminPassword,
        ExistingPasswords = kept,
    };
    using var management = new HttpClient { BaseAddress = new Uri(command.Required("management-url").TrimEnd('/') + "/") };
    management.DefaultRequestHeaders.Authorization =
        new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{adminUser}:{adminPassword}")));
    var uris = await BrokerTopology.ApplyAsync(management, options);
    var json = JsonSerializer.Serialize(uris.ToDictionary(p => p.Key, p => p.Value.ToString()), new JsonSerializerOptions { WriteIndented = true });
    if (output is null)
    {
        Console.WriteLine(json);
    }
    else
    {
        KeyFiles.WriteSecret(output, json + "\n");
        Console.WriteLine($"broker topology applied for {string.Join(", ", options.Departments)}; connection URIs in {output}");
    }
    return 0;
}
