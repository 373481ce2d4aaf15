using FedFace.Simulator;
using FedFace.Simulator.VirtualSites;

namespace FedFace.EndToEnd.Tests;

/// <summary>The engine's, the faults' and a worker process's settings: bad values are named, one problem a line.</summary>
public sealed class EngineSettingsTests
{
    [Fact]
    public void A_worker_names_a_bad_aggregator_url_pki_folder_and_slice()
    {
        string[] problems = [.. WorkerProcess.Problems("x", "/no/such/folder", "3/2")];

        Assert.Equal(3, problems.Length);
        Assert.Contains("--aggregator must be the aggregator's https URL, got 'x'", problems[0]);
        Assert.Contains("--pki", problems[1]);
        Assert.Contains("--slice must be i/N with 0 ≤ i < N", problems[2]);
        Assert.Equal((1, 2), WorkerProcess.ParseSlice("1/2"));
        Assert.Empty(WorkerProcess.Problems("https://localhost:7443/", Path.GetTempPath(), "0/1"));
    }

    [Fact]
    public void Unknown_site_work_dropout_steps_and_too_many_faulty_sites_are_refused_by_their_flags()
    {
        var options = new SimulatorOptions { Sites = 3 };
        options.Engine.SiteWork = "dream";
        options.Engine.PeoplePerSite = 1;
        options.Faults.DropoutSites = 2;
        options.Faults.CrashSites = 2;
        options.Faults.DropoutAt = "lunch";

        IReadOnlyList<string> problems = options.Problems();

        Assert.Contains(problems, p => p.Contains("--engine-site-work must be train, synthetic or replay, got 'dream'"));
        Assert.Contains(problems, p => p.Contains("--engine-people-per-site must be 0"));
        Assert.Contains(problems, p => p.Contains("outnumber the 3 sites"));
        Assert.Contains(problems, p => p.Contains("--faults-dropout-at must be download, training or upload, got 'lunch'"));
    }
}
