using System.Collections.Concurrent;
using FedFace.Aggregator;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Client;
using FedFace.Core;
using FedFace.Learning;
using FedFace.Learning.Training;
using FedFace.Protos.V1;
using FedFace.Simulator;
using FedFace.Simulator.VirtualSites;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedFace.EndToEnd.Tests;

/// <summary>
/// The virtual-site engine against a real aggregator on loopback over mutual TLS: sampled sites run the real round on a
/// bounded pool of reused networks, keep their heads between the rounds they are sampled in, and repeat to the bit.
/// Runs alone: these tests change libtorch's process-wide thread count, which a thread takes up the first time it runs
/// torch, so a test class training beside them would train with a count that depends on timing.
/// </summary>
[Collection(nameof(Scenarios.AloneInTheProcess))]
public sealed class VirtualSiteEngineTests : IDisposable
{
    private static readonly Lazy<FaceTrainingSet[]> s_faces = new(() => [.. TinySites.Align(4).Select(site => site.Faces)]);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"fedface-engine-{Guid.NewGuid():N}");

    [Fact]
    public async Task One_and_two_workers_commit_bit_identical_global_models_from_the_same_seed()
    {
        EngineRun oneWorker = await RunTrainingAsync("one", workers: 1);
        EngineRun twoWorkers = await RunTrainingAsync("two", workers: 2);

        Assert.Equal([1L, 2L, 3L], oneWorker.Models.Keys.Order());
        foreach (long round in oneWorker.Models.Keys)
        {
            Assert.Equal(oneWorker.Models[round].ComputeSha256Hex(), twoWorkers.Models[round].ComputeSha256Hex());
        }
        Assert.All(oneWorker.Summaries.Values, s => Assert.Equal(2, s.AcceptedSites.Count)); // half of 4 sampled each round, all accepted
    }

    [Fact]
    public async Task Sites_train_with_the_engines_thread_count_even_on_pool_threads_that_ran_torch_with_another()
    {
        // libtorch fixes a thread's count the first time it runs torch there: pool threads warmed up with 2 keep it.
        TorchSharp.torch.set_num_threads(2);
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 64 }, _ =>
        {
            using TorchSharp.torch.Tensor sum = TorchSharp.torch.ones(64, 64).sum();
            Thread.Sleep(20);
        });
        var threads = new ConcurrentBag<int>();

        await RunTrainingAsync("threads", workers: 2, rounds: 2, wrap: (_, inner) => new ThreadCountRecorder(inner, threads));

        Assert.Equal(4, threads.Count);
        Assert.All(threads, count => Assert.Equal(1, count)); // the run's --engine-torch-threads
    }

    [Fact]
    public async Task A_virtual_site_starts_each_round_it_is_sampled_in_from_the_head_it_ended_its_previous_one_with()
    {
        var heads = new HeadRecorder();
        EngineRun run = await RunTrainingAsync("heads", workers: 1, rounds: 4, wrap: heads.Wrap);

        Assert.Equal(8, heads.Rounds.Count); // two sites a round, four rounds
        IEnumerable<IGrouping<string, SiteHeads>> bySite = heads.Rounds.GroupBy(r => r.SiteId);
        Assert.Contains(bySite, site => site.Count() >= 2);
        foreach (IGrouping<string, SiteHeads> site in bySite)
        {
            SiteHeads[] rounds = [.. site.OrderBy(r => r.Round)];
            Assert.Null(rounds[0].AtStart); // a new site: its head is drawn from its seed
            for (int i = 1; i < rounds.Length; i++)
            {
                // Other sites trained on the same worker's network in between: the head still comes back as it was left.
                Assert.Equal(rounds[i - 1].AtEnd, rounds[i].AtStart);
                Assert.NotEqual(rounds[i].AtStart, rounds[i].AtEnd);
            }
        }
        Assert.True(heads.Rounds.Select(r => r.Round).Distinct().Count() == 4 && run.Summaries.Count == 4);
    }

    /// <summary>
    /// Regression (a63d63f): the status said 'finished' at the last commit, so the engine ended, and the aggregator with it,
    /// cancelling the round observers still at work on the last round: the simulator's report lost its last round.
    /// </summary>
    [Fact]
    public async Task The_federation_ends_only_once_its_round_observers_are_done_with_the_last_round()
    {
        EngineRun run = await RunSyntheticAsync("last-round", rounds: 2, _ => { }, observing: TimeSpan.FromSeconds(2));

        Assert.Equal([1L, 2L], run.Summaries.Keys.Order());
        Assert.All(run.Summaries.Values, s => Assert.True(s.Committed, s.Outcome));
    }

    [Theory]
    [InlineData("download")]
    [InlineData("training")]
    [InlineData("upload")]
    public async Task A_site_that_drops_out_at_any_step_leaves_the_round_to_commit_with_the_others_at_the_deadline(string step)
    {
        EngineRun run = await RunSyntheticAsync($"dropout-{step}", rounds: 1, faults => { faults.DropoutSites = 1; faults.DropoutAt = step; });

        RoundSummary round = Assert.Single(run.Summaries.Values);
        Assert.True(round.Committed, round.Outcome);
        Assert.Equal(["site-01", "site-02", "site-03"], round.AcceptedSites.Order());
        Assert.Equal(4, round.SampledSites.Count);
        Assert.InRange(round.Seconds, Deadline - 1, Deadline + 30); // it waited for the vanished site until the deadline
    }

    [Fact]
    public async Task A_straggler_within_the_deadline_is_waited_for_and_one_past_it_leaves_the_round_below_quorum_to_abort_cleanly()
    {
        EngineRun late = await RunSyntheticAsync("straggler-late", rounds: 1, faults => { faults.StragglerSites = 1; faults.StragglerSeconds = Deadline + 5; },
            stopAfterRound: 1);
        EngineRun slow = await RunSyntheticAsync("straggler-slow", rounds: 1, faults => { faults.StragglerSites = 1; faults.StragglerSeconds = 1; });

        RoundSummary aborted = late.Summaries[1];
        Assert.False(aborted.Committed);
        Assert.Equal(3, aborted.AcceptedSites.Count);
        Assert.Null(aborted.CommittedModelVersion);
        RoundSummary waited = Assert.Single(slow.Summaries.Values);
        Assert.True(waited.Committed, waited.Outcome);
        Assert.Equal(4, waited.AcceptedSites.Count);
        Assert.InRange(waited.Seconds, 1, Deadline);
    }

    [Fact]
    public async Task A_site_whose_work_fails_unexpectedly_misses_that_round_only_and_the_run_goes_on()
    {
        var failed = new ConcurrentBag<long>();

        EngineRun run = await RunWrappedSyntheticAsync("failing-work", (site, synthetic) => site.Id == "site-04" ? new FailingOnce(synthetic, failed) : synthetic);

        Assert.Equal([1L], failed);
        // Every sampled site is needed here: round 1 waits for site-04 to its deadline and aborts cleanly, the run goes on.
        Assert.Equal(["site-01", "site-02", "site-03"], run.Summaries[1].AcceptedSites.Order());
        Assert.False(run.Summaries[1].Committed);
        Assert.Equal([2L, 3L], run.Summaries.Where(s => s.Value.Committed).Select(s => s.Key).Order());
        Assert.Equal(4, run.Summaries[2].AcceptedSites.Count); // back the next round
        Assert.Contains("engine: round 1: 3/4 sites", run.Output.ToString()); // its round's figures are complete without it
    }

    /// <summary>
    /// Regression: a stopped engine returned at once, leaving its sites to wind down on their own while the host freed the
    /// network pool they trained on (a native use after free on Ctrl+C). A site's training ends its step before it sees a stop.
    /// </summary>
    [Fact]
    public async Task A_stopped_run_returns_only_once_its_sites_still_at_work_have_stopped()
    {
        using var stop = new CancellationTokenSource();
        var stopping = new StopsTheRunThenFinishesItsStep(stop, round: 2, step: TimeSpan.FromSeconds(3));

        EngineRun run = await RunWrappedSyntheticAsync("stopped", (site, synthetic) => site.Id == "site-04" ? stopping.Around(synthetic) : synthetic, stop.Token);

        Assert.True(stop.IsCancellationRequested);
        Assert.True(run.Summaries[1].Committed, run.Summaries[1].Outcome);
        Assert.True(stopping.FinishedItsStep);
    }

    [Fact]
    public async Task The_sites_of_a_round_each_download_and_verify_the_global_model_then_hold_one_shared_copy_of_it()
    {
        var globals = new ConcurrentBag<(long Round, ModelState Global)>();

        EngineRun run = await RunWrappedSyntheticAsync("shared-model", (_, synthetic) => new GlobalRecorder(synthetic, globals));

        Assert.All(run.Summaries.Values, s => Assert.True(s.Committed, s.Outcome));
        Assert.Equal(8, globals.Count);
        // A thousand sites in a round would otherwise hold a thousand copies of the same verified model.
        Assert.All(globals.GroupBy(g => g.Round), round => Assert.Single(round.Select(g => g.Global).Distinct(ReferenceEqualityComparer.Instance)));
        Assert.NotSame(globals.First(g => g.Round == 1).Global, globals.First(g => g.Round == 2).Global);
    }

    [Fact]
    public async Task A_site_that_crashes_mid_round_is_missing_until_it_returns_and_answers_again()
    {
        EngineRun run = await RunSyntheticAsync("crash", rounds: 4, faults => { faults.CrashSites = 1; faults.CrashRound = 2; faults.ReturnAfterRounds = 2; });

        Assert.Equal([4, 3, 3, 4], run.Summaries.OrderBy(s => s.Key).Select(s => s.Value.AcceptedSites.Count));
        Assert.All(run.Summaries.Values, s => Assert.True(s.Committed, s.Outcome));
        Assert.DoesNotContain("site-04", run.Summaries[2].AcceptedSites);
        Assert.Contains("site-04", run.Summaries[4].AcceptedSites);
    }

    [Fact]
    public async Task Synthetic_sites_take_part_in_a_secure_round_and_one_vanishing_before_its_masked_input_leaves_the_others_to_commit()
    {
        EngineRun run = await RunSyntheticAsync("secure", rounds: 2, _ => { }, sites: 5, configure: options =>
        {
            options.SecureAggregation = true;
            options.SecAggStageSeconds = 5;
            options.RoundDeadlineSeconds = 60;
            options.DropSites = 1;
            options.DropAt = "masked";
        });

        Assert.All(run.Summaries.Values, s => Assert.True(s.Committed, s.Outcome));
        Assert.Equal("5→5→4→4→4", run.Summaries[1].SecureAggregation?.Survivors); // site-05 advertised and shared keys, then vanished
        Assert.Equal(4, run.Summaries[2].AcceptedSites.Count); // gone for good: sampled, it no longer answers
    }

    /// <summary>
    /// Issue 23: a secure round of 200 sites in the suite. A tenth vanish before advertising their keys, so stage 0 waits for
    /// its deadline; the masked-input stage and those after it close as soon as their sites have answered. It used to
    /// abort under load: each virtual site read and validated all 200 certificates (40,000 a round) and most sites missed
    /// the key-advertisement deadline (<see cref="FedFace.Transport.SecureAggregation.VouchedSiteCertificates"/>).
    /// </summary>
    [Fact]
    public async Task Two_hundred_synthetic_sites_commit_a_secure_round_with_the_mean_of_the_survivors_deltas_when_a_tenth_vanish()
    {
        const int Sites = 200, Vanishing = 20, StageSeconds = 20, RoundDeadline = 6 * StageSeconds;
        const double CoordinateBound = 0.02; // quantization steps well below the deltas (σ = 1e-3), so the committed mean says something of them
        // A few thousand values: the masks' keystream stays tiny, and the round costs what 200 sites' connections and key agreements cost.
        ModelState initial = TestModels.Random([("embedding.weight", [64, 64]), ("bn.running_mean", [8])], seed: 3, scale: 0.1f);
        EngineRun run = await RunSyntheticAsync("secure-200", rounds: 1, _ => { }, sites: Sites, initial: initial, configure: options =>
        {
            options.SecureAggregation = true;
            options.SecAggDropoutTolerance = 0.15; // above the tenth that vanishes; at 0.3 every site neighbours 194 others
            options.SecAggStageSeconds = StageSeconds;
            options.RoundDeadlineSeconds = RoundDeadline;
            options.SecAggCoordinateBound = CoordinateBound;
            options.DropSites = Vanishing;
            options.DropAt = "keys";
        });

        RoundSummary round = Assert.Single(run.Summaries.Values);
        Assert.True(round.Committed, round.Outcome);
        Assert.Equal(Sites, round.SampledSites.Count);
        string[] survivors = [.. VirtualFederation.SiteIds(Sites).Take(Sites - Vanishing)];
        Assert.Equal(survivors, round.AcceptedSites.Order(StringComparer.Ordinal));
        Assert.Equal("180→180→180→180→180", round.SecureAggregation?.Survivors);
        var synthetic = new FedFace.Core.Simulation.SyntheticUpdates(seed: 5);
        double quantizationStep = CoordinateBound / (int.MaxValue / (Sites * 1000L)); // 1000: the default MaxWeightPerSite
        TestModels.AssertPreviousPlusWeightedMean(initial, [.. survivors.Select(site => (synthetic.For(site, 1, initial), 5L))], run.Models[1],
            tolerance: quantizationStep + 1e-7);
        // Stage 0 waited for the vanished sites; the masked-input stage closed once its 180 sites had answered, not at the
        // round's deadline, and the consistency check and unmask stages (deadlines later still) likewise.
        Assert.InRange(round.Seconds, StageSeconds - 1, RoundDeadline - 1);
    }

    [Fact]
    public async Task Two_worker_processes_of_the_built_simulator_each_host_half_the_sites_and_the_rounds_commit_with_all_of_them()
    {
        string[] settings = ["--sites", "4", "--rounds", "2", "--seed", "5", "--engine-site-work", "synthetic"];
        // A deadline the workers' start-up fits in: round 1 opens as they start.
        EngineRun run = await RunSyntheticAsync("processes", rounds: 2, _ => { }, engine => engine.WorkerProcesses = 2,
            configure: options => options.RoundDeadlineSeconds = 120, workerArguments: settings);

        Assert.Equal([1L, 2L], run.Summaries.Keys.Order());
        Assert.All(run.Summaries.Values, s =>
        {
            Assert.True(s.Committed, s.Outcome);
            Assert.Equal(["site-01", "site-02", "site-03", "site-04"], s.AcceptedSites.Order());
        });
        Assert.Contains("[worker 0] worker 0/2: 2 of 4 sites joined", run.Output.ToString());
        Assert.Contains("[worker 1] worker 1/2: the federation finished", run.Output.ToString());
        // The same seeds in other processes: the same deltas as sites in this process would have sent.
        EngineRun inProcess = await RunSyntheticAsync("in-process", rounds: 2, _ => { });
        Assert.Equal(inProcess.Models[2].ComputeSha256Hex(), run.Models[2].ComputeSha256Hex());
    }

    [Fact]
    public async Task A_replay_of_recorded_synthetic_updates_commits_the_same_models()
    {
        string recording = Path.Combine(_directory, "recorded");
        EngineRun recorded = await RunSyntheticAsync("record", rounds: 2, _ => { }, engine => engine.RecordUpdates = recording);
        EngineRun replayed = await RunSyntheticAsync("replay", rounds: 2, _ => { }, engine => { engine.SiteWork = "replay"; engine.ReplayUpdates = recording; });

        Assert.Equal(8, Directory.GetFiles(recording, "*.ffm", SearchOption.AllDirectories).Length);
        foreach (long round in recorded.Models.Keys)
        {
            Assert.Equal(recorded.Models[round].ComputeSha256Hex(), replayed.Models[round].ComputeSha256Hex());
        }
    }

    /// <summary>
    /// Seconds a plain round waits in the fault tests: long enough that four synthetic sites (and a one-second straggler)
    /// finish inside it on 2 cores busy with the rest of the suite; at 4 s the straggler's round aborted under load.
    /// </summary>
    private const int Deadline = 12;

    private async Task<EngineRun> RunTrainingAsync(string name, int workers, int rounds = 3, Func<VirtualSite, ILocalWork, ILocalWork>? wrap = null)
    {
        var options = new SimulatorOptions
        {
            Sites = 4, Rounds = rounds, SampleFraction = 0.5, Seed = 5, OutputDirectory = Path.Combine(_directory, name),
            Training = SimulatorOptions.DemoTraining(pretrained: false) with { LocalEpochs = 1, BatchSize = 4, MaxSteps = 2 },
            Engine = { Workers = workers, TorchThreads = 1 },
        };
        FaceTrainingSet[] faces = s_faces.Value;
        return await RunAsync(options, (site, networks, logger) =>
        {
            ILocalWork training = new BorrowedNetworkTraining(site, new ResidentFaces(faces), networks, options.Engine.TorchThreads, logger);
            return wrap is null ? training : wrap(site, training);
        });
    }

    private Task<EngineRun> RunSyntheticAsync(string name, int rounds, Action<FaultSettings> faults, Action<EngineSettings>? engine = null, int? stopAfterRound = null,
        int sites = 4, Action<SimulatorOptions>? configure = null, IReadOnlyList<string>? workerArguments = null, ModelState? initial = null,
        TimeSpan observing = default)
    {
        var options = new SimulatorOptions
        {
            Sites = sites, Rounds = rounds, Seed = 5, RoundDeadlineSeconds = Deadline, OutputDirectory = Path.Combine(_directory, name),
            Engine = { SiteWork = "synthetic" },
        };
        faults(options.Faults);
        engine?.Invoke(options.Engine);
        configure?.Invoke(options);
        Assert.Empty(options.Problems());
        return RunAsync(options, SiteWork.For(options, faces: null), stopAfterRound, workerArguments, initial, observing);
    }

    /// <summary>Four synthetic sites, two rounds, each site's work wrapped as the test needs.</summary>
    /// <param name="stopped">Stops the run, as Ctrl+C does.</param>
    private Task<EngineRun> RunWrappedSyntheticAsync(string name, Func<VirtualSite, ILocalWork, ILocalWork> wrap, CancellationToken stopped = default)
    {
        var options = new SimulatorOptions
        {
            Sites = 4, Rounds = 2, Seed = 5, RoundDeadlineSeconds = Deadline, OutputDirectory = Path.Combine(_directory, name),
            Engine = { SiteWork = "synthetic" },
        };
        Func<VirtualSite, NetworkPool, Microsoft.Extensions.Logging.ILogger, ILocalWork> synthetic = SiteWork.For(options, faces: null);
        return RunAsync(options, (site, networks, logger) => wrap(site, synthetic(site, networks, logger)), stopped: stopped);
    }

    /// <param name="initial">The version-0 model; MobileFaceNet when not given (training sites need it).</param>
    /// <param name="observing">How long the run's round observer works on each round before it records it, as the simulator's held-out scoring does.</param>
    private static async Task<EngineRun> RunAsync(SimulatorOptions options, Func<VirtualSite, NetworkPool, Microsoft.Extensions.Logging.ILogger, ILocalWork> workFor,
        int? stopAfterRound = null, IReadOnlyList<string>? workerArguments = null, ModelState? initial = null, TimeSpan observing = default,
        CancellationToken stopped = default)
    {
        IReadOnlyList<string> siteIds = VirtualFederation.SiteIds(options.Sites);
        var workspace = FederationWorkspace.Create(options.OutputDirectory, siteIds, initial ?? GlobalModelFactory.CreateInitial(seed: 3));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stopped);
        stop.CancelAfter(TimeSpan.FromMinutes(5));
        var run = new EngineRun(stopAfterRound, stop, observing);
        try
        {
            await new VirtualFederation(options, NullLoggerFactory.Instance, TextWriter.Synchronized(run.Output), workerArguments).RunAsync(siteIds, workspace, run, workFor, stop.Token);
        }
        catch (OperationCanceledException) when ((stopAfterRound is not null && run.Summaries.ContainsKey(stopAfterRound.Value)) || stopped.IsCancellationRequested)
        {
            // stopped as the test asked
        }
        return run;
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>Every finished round's summary and committed model; asks the run to stop after a given round.</summary>
    private sealed class EngineRun(int? stopAfterRound, CancellationTokenSource stop, TimeSpan observing) : IRoundObserver
    {
        public ConcurrentDictionary<long, RoundSummary> Summaries { get; } = new();
        public ConcurrentDictionary<long, ModelState> Models { get; } = new();
        public StringWriter Output { get; } = new();

        public async Task OnRoundFinishedAsync(RoundSummary summary, ModelState globalModel, CancellationToken cancellationToken)
        {
            if (observing > TimeSpan.Zero)
            {
                await Task.Delay(observing, cancellationToken);
            }
            Summaries[summary.Round] = summary;
            if (summary.Committed)
            {
                Models[summary.Round] = globalModel.Clone();
            }
            if (summary.Round == stopAfterRound)
            {
                await stop.CancelAsync();
            }
        }
    }

    /// <summary>Work that fails with an error no site round expects, the first time only.</summary>
    private sealed class FailingOnce(ILocalWork inner, ConcurrentBag<long> failed) : ILocalWork
    {
        public string? Shortfall(CancellationToken cancellationToken) => inner.Shortfall(cancellationToken);

        public Task<LocalUpdate> ComputeAsync(ModelState global, RoundTask task, CancellationToken cancellationToken)
        {
            if (failed.IsEmpty)
            {
                failed.Add(task.Round);
                throw new InvalidOperationException("out of disk space");
            }
            return inner.ComputeAsync(global, task, cancellationToken);
        }
    }

    /// <summary>Stops the run from inside its work in <c>round</c>, then takes <c>step</c> to notice, as a training does.</summary>
    private sealed class StopsTheRunThenFinishesItsStep(CancellationTokenSource stop, long round, TimeSpan step)
    {
        private volatile bool _finishedItsStep;

        public bool FinishedItsStep => _finishedItsStep;

        public ILocalWork Around(ILocalWork inner) => new Work(inner, ComputeAsync);

        private async Task ComputeAsync(RoundTask task, CancellationToken cancellationToken)
        {
            if (task.Round == round)
            {
                await stop.CancelAsync();
                await Task.Delay(step, CancellationToken.None);
                _finishedItsStep = true;
                cancellationToken.ThrowIfCancellationRequested();
            }
        }

        private sealed class Work(ILocalWork inner, Func<RoundTask, CancellationToken, Task> before) : ILocalWork
        {
            public string? Shortfall(CancellationToken cancellationToken) => inner.Shortfall(cancellationToken);

            public async Task<LocalUpdate> ComputeAsync(ModelState global, RoundTask task, CancellationToken cancellationToken)
            {
                await before(task, cancellationToken);
                return await inner.ComputeAsync(global, task, cancellationToken);
            }
        }
    }

    private sealed class GlobalRecorder(ILocalWork inner, ConcurrentBag<(long Round, ModelState Global)> globals) : ILocalWork
    {
        public string? Shortfall(CancellationToken cancellationToken) => inner.Shortfall(cancellationToken);

        public Task<LocalUpdate> ComputeAsync(ModelState global, RoundTask task, CancellationToken cancellationToken)
        {
            globals.Add((task.Round, global));
            return inner.ComputeAsync(global, task, cancellationToken);
        }
    }

    private sealed class ThreadCountRecorder(ILocalWork inner, ConcurrentBag<int> threads) : ILocalWork
    {
        public string? Shortfall(CancellationToken cancellationToken) => inner.Shortfall(cancellationToken);

        public async Task<LocalUpdate> ComputeAsync(ModelState global, RoundTask task, CancellationToken cancellationToken)
        {
            LocalUpdate update = await inner.ComputeAsync(global, task, cancellationToken);
            threads.Add(update.Report.TorchThreads);
            return update;
        }
    }

    private sealed record SiteHeads(string SiteId, long Round, float[]? AtStart, float[] AtEnd);

    /// <summary>A site's head as each of its rounds found it and left it.</summary>
    private sealed class HeadRecorder
    {
        public ConcurrentBag<SiteHeads> Rounds { get; } = [];

        public ILocalWork Wrap(VirtualSite site, ILocalWork inner) => new Recording(site, inner, this);

        private sealed class Recording(VirtualSite site, ILocalWork inner, HeadRecorder recorder) : ILocalWork
        {
            public string? Shortfall(CancellationToken cancellationToken) => inner.Shortfall(cancellationToken);

            public async Task<LocalUpdate> ComputeAsync(ModelState global, RoundTask task, CancellationToken cancellationToken)
            {
                float[]? atStart = site.Model?.HeadWeights.ToArray();
                LocalUpdate update = await inner.ComputeAsync(global, task, cancellationToken);
                recorder.Rounds.Add(new SiteHeads(site.Id, task.Round, atStart, site.Model!.HeadWeights.ToArray()));
                return update;
            }
        }
    }
}
