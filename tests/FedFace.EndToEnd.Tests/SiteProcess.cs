using FedFace.Aggregator.Tests.Kit;
using FedFace.Certs;
using FedFace.DevelopmentData;

namespace FedFace.EndToEnd.Tests;

/// <summary>What a run of the real <c>fedface-site</c> executable printed and how it exited.</summary>
public sealed record SiteRun(int ExitCode, string Output, string Error)
{
    /// <summary>Every non-empty line the process wrote, standard output and error together.</summary>
    public IReadOnlyList<string> Lines => [.. (Output + "\n" + Error).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>
/// Runs the built <c>fedface-site</c> (the FedFace.Client project's own output, next to this test project's in the
/// same configuration) as a separate process, as systemd or Kubernetes would, with its settings on the command line.
/// </summary>
public static class SiteProcess
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(90);

    public static string Executable
    {
        get
        {
            string testProject = TestProjectDirectory();
            string outputTail = Path.GetRelativePath(testProject, AppContext.BaseDirectory);
            string site = Path.Combine(testProject, "..", "..", "src", "FedFace.Client", outputTail, "fedface-site");
            return File.Exists(site) ? Path.GetFullPath(site) : throw new FileNotFoundException($"fedface-site is not built at {site}");
        }
    }

    /// <summary>The settings of site <paramref name="siteId"/> of <paramref name="pki"/>, as command-line arguments.</summary>
    public static string[] Settings(PkiLayout pki, string siteId, Uri aggregator, string dataDirectory) =>
    [
        $"--Site:AggregatorUrl={aggregator}",
        $"--Site:CertificatePath={pki.SiteCertificate(siteId)}",
        $"--Site:KeyPath={pki.SiteKey(siteId)}",
        $"--Site:CaCertificatePath={pki.CaCertificate}",
        $"--Site:DataDirectory={dataDirectory}",
        $"--Site:DetectorModelPath={SharedData.YuNetModel}",
    ];

    public static Task<SiteRun> RunAsync(params string[] args) => RunAsync(new Dictionary<string, string>(), args);

    /// <summary>Runs it with <paramref name="environment"/> added to this process's.</summary>
    public static async Task<SiteRun> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        (int exitCode, string output, string error) = await ChildProcess.RunAsync(Executable, args, s_patience, environment);
        return new SiteRun(exitCode, output, error);
    }

    private static string TestProjectDirectory()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FedFace.EndToEnd.Tests.csproj")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException($"no FedFace.EndToEnd.Tests.csproj above {AppContext.BaseDirectory}");
    }
}

/// <summary>A temporary site data folder of real LFW photos, a folder per person; deleted afterwards.</summary>
public sealed class SitePhotos : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("fedface-site-photos-").FullName;

    /// <summary>Copies LFW photos <paramref name="numbers"/> of <paramref name="person"/> into the person's folder.</summary>
    public SitePhotos Add(string person, params int[] numbers)
    {
        string folder = Directory.CreateDirectory(Path.Combine(Root, person)).FullName;
        foreach (int n in numbers)
        {
            File.Copy(SharedData.LfwImage(person, n), Path.Combine(folder, $"{person}_{n:D4}.jpg"));
        }
        return this;
    }

    public SitePhotos AddFile(string relativePath, string content)
    {
        string path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return this;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>A real aggregator waiting for one site for one round: round 1 opens as soon as a site joins.</summary>
internal static class OneRoundAggregator
{
    public static async Task<RunningAggregator> StartAsync(TestFederation federation, string name, CapturedLog log, int roundDeadlineSeconds = 20)
    {
        string workspace = federation.Workspace(name);
        return await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 42)))
            {
                MinSites = 1,
                TotalRounds = 1,
                RoundDeadlineSeconds = roundDeadlineSeconds,
            }, log);
    }
}
