using System.Diagnostics;
using CsCheck;
using Xunit.Abstractions;

namespace FedFace.Fuzz.Tests;

/// <summary>
/// Runs one fuzz target: generates cases from a CsCheck generator with a seeded PCG (so a case is reproduced by the seed
/// and its index), runs each on a thread of its own under a time limit, and checks the properties every parser of
/// untrusted bytes must have: it accepts or refuses with its documented exception (the target turns that into a reason),
/// never anything else; it returns within <see cref="PerCase"/>; it allocates at most <see cref="MaxAllocatedBytes"/>
/// (managed, on its thread); and a refusal's reason says what was wrong (not empty, not a bare type name).
/// </summary>
/// <remarks>
/// CI runs <c>ciCases</c> per target; FEDFACE_FUZZ_CASES sets another count for a longer campaign and FEDFACE_FUZZ_SEED
/// another seed (scripts/fuzz.sh). Each finding's input is written to FEDFACE_FUZZ_FINDINGS (default: fuzz-findings in
/// the test's folder) for a regression test.
/// </remarks>
public sealed class FuzzCampaign(string target, ITestOutputHelper output)
{
    private const int MaxFindingsKept = 10;
    private const int ShortestReason = 12;
    private const int MaxHangs = 3;

    public TimeSpan PerCase { get; init; } = TimeSpan.FromSeconds(10);

    public long MaxAllocatedBytes { get; init; } = 16 << 20;

    /// <summary>Where each finding's input is kept.</summary>
    public string FindingsFolder { get; init; } = Environment.GetEnvironmentVariable("FEDFACE_FUZZ_FINDINGS") is { Length: > 0 } configured
        ? configured
        : Path.Combine(AppContext.BaseDirectory, "fuzz-findings");

    public static int CasesOr(int ciCases) =>
        int.TryParse(Environment.GetEnvironmentVariable("FEDFACE_FUZZ_CASES"), out int cases) && cases > 0 ? cases : ciCases;

    public static ulong Seed =>
        ulong.TryParse(Environment.GetEnvironmentVariable("FEDFACE_FUZZ_SEED"), out ulong seed) ? seed : 20261205;

    /// <param name="refusalOf">Parses the case: null when accepted, the refusal's reason when refused (the target catches only its documented refusal).</param>
    /// <param name="bytesOf">The case as the bytes to keep for a finding.</param>
    public void Run<T>(Gen<T> cases, int ciCases, Func<T, string?> refusalOf, Func<T, byte[]> bytesOf)
    {
        int count = CasesOr(ciCases);
        var findings = new List<string>();
        var signatures = new HashSet<string>(StringComparer.Ordinal);
        int refused = 0, run = 0, hangs = 0;
        var clock = Stopwatch.StartNew();
        for (int index = 0; index < count && findings.Count < MaxFindingsKept; index++)
        {
            T input = cases.Generate(new PCG(1, Seed + (ulong)index), null, out _);
            run++;
            CaseResult result = RunOne(input, refusalOf);
            string? problem = result switch
            {
                { TimedOut: true } => $"hang: no answer within {PerCase.TotalSeconds:F0}s",
                { Crash: { } crash } => $"crash: {crash.GetType().Name}: {crash.Message} at {TopFrame(crash)}",
                { AllocatedBytes: var bytes } when bytes > MaxAllocatedBytes => $"memory: {bytes} bytes allocated, more than {MaxAllocatedBytes}",
                { Reason: { } reason } when reason.Trim().Length < ShortestReason => $"refused without a reason naming what was wrong: '{reason}'",
                _ => null,
            };
            if (result.Reason is not null)
            {
                refused++;
            }
            if (problem is not null && signatures.Add(Signature(problem)))
            {
                findings.Add($"case {index}: {problem} (input kept as {Keep(bytesOf(input), index)})");
            }
            if (result.TimedOut && ++hangs == MaxHangs)
            {
                break; // each hang leaves a thread stuck on a core: enough to show the fault
            }
        }
        output.WriteLine($"fuzz {target}: {run} cases run ({run - refused} accepted, {refused} refused), {findings.Count} findings, seed {Seed}, {clock.Elapsed.TotalSeconds:F1}s");
        foreach (string finding in findings)
        {
            output.WriteLine($"  finding {finding}");
        }
        Assert.True(findings.Count == 0, $"fuzz {target} found {findings.Count} problems:\n{string.Join('\n', findings)}");
    }

    private CaseResult RunOne<T>(T input, Func<T, string?> refusalOf)
    {
        string? reason = null;
        Exception? crash = null;
        long allocated = 0;
        var thread = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                reason = refusalOf(input);
            }
            catch (Exception e)
            {
                crash = e;
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }) { IsBackground = true };
        thread.Start();
        return thread.Join(PerCase) ? new CaseResult(false, crash, allocated, reason) : new CaseResult(true, null, 0, null);
    }

    private string Keep(byte[] input, int index)
    {
        Directory.CreateDirectory(FindingsFolder);
        string path = Path.Combine(FindingsFolder, $"{target}-seed{Seed}-case{index}.bin");
        File.WriteAllBytes(path, input);
        return path;
    }

    /// <summary>One finding per kind of fault and place: the same crash on a thousand inputs is one bug.</summary>
    private static string Signature(string problem) => problem.StartsWith("crash", StringComparison.Ordinal)
        ? problem[..problem.IndexOf(':', 7)] + problem[problem.LastIndexOf(" at ", StringComparison.Ordinal)..]
        : problem.Split(':')[0];

    private static string TopFrame(Exception e) =>
        new StackTrace(e, fNeedFileInfo: false).GetFrames().FirstOrDefault(f => f.GetMethod()?.DeclaringType?.Namespace?.StartsWith("FedFace", StringComparison.Ordinal) == true)
            ?.GetMethod() is { } method ? $"{method.DeclaringType?.Name}.{method.Name}" : "(no FedFace frame)";

    private sealed record CaseResult(bool TimedOut, Exception? Crash, long AllocatedBytes, string? Reason);
}
