using System.Globalization;
using FedFace.Benchmarks.Load;

namespace FedFace.Benchmarks.Reliability;

/// <summary>
/// The scripted runs `reliability --long` adds to the tests, with their sizes: the run starts its scripts with these values
/// and the table's header names them from here, so the header cannot say another size than the run used.
/// </summary>
/// <param name="CrashLives">Lives of scripts/crash-loop.sh.</param>
/// <param name="FuzzCases">Generated inputs of scripts/fuzz.sh.</param>
/// <param name="LoadQuick">lab/load.sh --quick instead of the full load run.</param>
public sealed record LongRuns(int CrashLives, int FuzzCases, bool LoadQuick)
{
    public const int DefaultCrashLives = 50;
    public const int DefaultFuzzCases = 200_000;

    /// <summary>Rounds of scripts/process-kill-loop.sh (no flag sets them).</summary>
    public int KillLoopRounds { get; init; } = 50;

    public int LoadSites => LoadQuick ? LoadCommand.QuickSites : LoadCommand.FullSites;

    public IReadOnlyList<string> CrashLoopCommand => ["scripts/crash-loop.sh", Text(CrashLives)];

    public IReadOnlyList<string> FuzzCommand => ["scripts/fuzz.sh", Text(FuzzCases)];

    public IReadOnlyList<string> KillLoopCommand => ["scripts/process-kill-loop.sh", Text(KillLoopRounds)];

    /// <summary>lab/load.sh, writing its results to <paramref name="outPath"/>.</summary>
    public IReadOnlyList<string> LoadRunCommand(string outPath) => LoadQuick ? ["lab/load.sh", "--quick", "--out", outPath] : ["lab/load.sh", "--out", outPath];

    /// <summary>What the header says --long adds.</summary>
    public string Description => string.Create(CultureInfo.InvariantCulture,
        $"the {CrashLives:N0}-life crash loop, the {KillLoopRounds:N0}-round process kill loop, the long fuzz campaign ({FuzzCases:N0} inputs) and the {LoadSites:N0}-site load run");

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
