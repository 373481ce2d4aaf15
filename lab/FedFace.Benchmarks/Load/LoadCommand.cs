using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using FedFace.Aggregator;
using FedFace.Core;
using Microsoft.Extensions.Logging;

namespace FedFace.Benchmarks.Load;

/// <summary>
/// fedface-bench load: many synthetic sites against the real aggregator in its own process, over mutual TLS on loopback. Three
/// phases, each with a fresh aggregator: honest load (latency, resident size, rounds a minute), then held-open uploads, then slow
/// senders (each every tenth site attacking): are they cut off by the limits, do honest rounds still commit, does memory stay
/// bounded. Writes lab/results/load.json.
/// </summary>
public static class LoadCommand
{
    /// <summary>An attack phase's peak resident size may exceed the honest phase's by this factor and still count as bounded.</summary>
    private const double MemoryBoundFactor = 1.2;

    private const int AttackerEvery = 10;

    /// <summary>Sites of a full run, and of a --quick one, unless --sites says otherwise.</summary>
    public const int FullSites = 1000, QuickSites = 100;

    public static async Task<int> RunAsync(BenchCommandLine commandLine, System.CommandLine.ParseResult command)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        ArgumentNullException.ThrowIfNull(command);
        string root = RunInfo.RepositoryRoot(AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory();
        string outPath = command.GetValue(commandLine.LoadOut) ?? Path.Combine(root, "lab", "results", "load.json");
        // The attack phases' deadline must leave honest sites time to answer on a loaded machine: their rounds commit at the deadline
        // (the attackers never answer) with the quorum, a quarter of the sample.
        bool quick = command.GetValue(commandLine.Quick);
        int sites = command.GetValue(commandLine.LoadSites) ?? (quick ? QuickSites : FullSites);
        int perRound = command.GetValue(commandLine.PerRound) ?? (quick ? 20 : 100);
        double steadySeconds = command.GetValue(commandLine.SteadySeconds) ?? (quick ? 30 : 120);
        int attackRounds = command.GetValue(commandLine.AttackRounds) ?? 2;
        int attackDeadline = command.GetValue(commandLine.AttackDeadlineSeconds) ?? (quick ? 20 : 60);
        double chunkTimeout = command.GetValue(commandLine.ChunkTimeoutSeconds) ?? (quick ? 5 : 10);
        if (perRound > sites || perRound < 2) return Fail($"--per-round must be between 2 and --sites ({sites}), got {perRound}");
        if (chunkTimeout >= attackDeadline) return Fail($"--chunk-timeout-seconds ({chunkTimeout}) must be shorter than --attack-deadline-seconds ({attackDeadline})");

        MachineInfo machine = RunInfo.Machine();
        Console.WriteLine($"{machine.Cpu}, {machine.Cores} cores, {machine.Dotnet}, load {machine.LoadAverageAtStart}, nice {Niceness()}");
        int maxUploadsPerSite = new AggregatorOptions().MaxUploadsPerSite;
        ModelState initial = BenchModel.Create(seed: 0);
        var started = DateTimeOffset.UtcNow;
        using var federation = new BenchFederation(sites, initial);
        Console.WriteLine($"PKI: one CA, {sites} site certificates (ECDSA P-256) in {(DateTimeOffset.UtcNow - started).TotalSeconds:F1} s");
        using ILoggerFactory quiet = LoggerFactory.Create(logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Critical));

        PhasePlan[] plans =
        [
            new("steady", sites, perRound, perRound, 300, new AggregatorOptions().UploadChunkTimeoutSeconds, null, 0, steadySeconds, 0),
            new("held-open", sites, perRound, Math.Max(1, perRound / 4), attackDeadline, chunkTimeout, UploadAttack.HeldOpen, AttackerEvery, null, attackRounds),
            new("slow-sender", sites, perRound, Math.Max(1, perRound / 4), attackDeadline, chunkTimeout, UploadAttack.SlowSender, AttackerEvery, null, attackRounds),
        ];
        var phases = new List<PhaseFigures>();
        foreach (PhasePlan plan in plans)
        {
            try
            {
                PhaseFigures figures = await LoadPhase.RunAsync(federation, plan, maxUploadsPerSite, quiet);
                PrintPhase(figures);
                phases.Add(figures);
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException or Grpc.Core.RpcException or IOException)
            {
                Console.Error.WriteLine($"load run failed in phase {plan.Name}: {e.GetType().Name}: {e.Message}");
                return 1;
            }
            GC.Collect();
        }

        (string commit, bool dirty) = RunInfo.Commit(root);
        LoadReport report = LoadReport.Of(machine, commit, dirty, Niceness(), File.ReadAllText("/proc/loadavg").Trim(), initial, maxUploadsPerSite, phases, MemoryBoundFactor);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
        var json = new JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        await File.WriteAllTextAsync(outPath, JsonSerializer.Serialize(report, json) + "\n");
        Console.WriteLine($"verdicts: {string.Join(", ", report.Verdicts.Select(v => $"{v.Key} {(v.Value ? "yes" : "NO")}"))}");
        Console.WriteLine($"wrote {outPath}");
        return report.Verdicts.Values.All(v => v) ? 0 : 1;
    }

    private static void PrintPhase(PhaseFigures phase)
    {
        string Calls(IReadOnlyDictionary<string, FedFace.SyntheticSites.LatencySummary> calls) =>
            string.Join(", ", calls.Select(c => $"{c.Key} p50 {c.Value.P50Ms} p99 {c.Value.P99Ms} ms (n {c.Value.Count}, failed {c.Value.Failures})"));
        Console.WriteLine($"[{phase.Name}] {phase.RoundsCommitted}/{phase.RoundsFinished} rounds committed in {phase.WindowSeconds} s "
            + $"({phase.RoundsCommittedPerMinute}/min, mean {phase.MeanCommittedRoundSeconds} s); aggregator peak {phase.Aggregator.VmHwmMb} MB "
            + $"(start {phase.Aggregator.StartResidentMb} MB), peak {phase.Aggregator.PeakOpenUploads} uploads open holding {phase.Aggregator.PeakBufferedUploadMb} MB");
        Console.WriteLine($"[{phase.Name}] client: {Calls(phase.ClientMs)}");
        Console.WriteLine($"[{phase.Name}] server: {Calls(phase.ServerMs)}");
        if (phase.Attack is { } attack)
        {
            Console.WriteLine($"[{phase.Name}] {attack.Attackers} attackers opened {attack.StreamsOpened} streams; ended: "
                + string.Join("; ", attack.EndedBy.Select(e => $"{e.Value.Streams} {e.Key} (held up to {e.Value.MaxHeldSeconds} s: \"{e.Value.ExampleMessage}\")"))
                + $"; cut off: {(attack.CutOff ? "yes" : "NO")}");
        }
    }

    /// <summary>This process's nice value (field 19 of /proc/self/stat), so a run records that it yielded to others' work.</summary>
    private static int Niceness()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], CultureInfo.InvariantCulture); // field 19 counted from the state (field 3)
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"{BenchCommandLine.Name} load: {message}");
        return FedFace.CommandLine.ExitCodes.UsageError;
    }
}
