using FedFace.Client;

namespace FedFace.Simulator.VirtualSites;

/// <summary>
/// Simulation only (section Faults): sites that fail in plain rounds, chosen as the last by id (as DropSites and the
/// byzantine sites are). Each fault is told in the run's output when it strikes.
/// </summary>
public sealed class FaultSettings
{
    public const string DropoutStepNames = "download, training or upload";

    /// <summary>This many sites vanish, without a word, in every plain round they are sampled in, just before <see cref="DropoutAt"/>.</summary>
    public int DropoutSites { get; set; }

    /// <summary>download (task taken, model never fetched), training (model fetched, never trained) or upload (trained, never sent).</summary>
    public string DropoutAt { get; set; } = "upload";

    /// <summary>This many sites (the last by id, after the dropouts) upload <see cref="StragglerSeconds"/> after their training ends.</summary>
    public int StragglerSites { get; set; }

    /// <summary>How late a straggler sends: past the round's deadline when larger than what is left of it.</summary>
    public double StragglerSeconds { get; set; } = 30;

    /// <summary>This many sites (the last by id, after the dropouts and stragglers) die mid-round in <see cref="CrashRound"/>: their connection is cut during training.</summary>
    public int CrashSites { get; set; }

    /// <summary>The round the crashing sites die in.</summary>
    public int CrashRound { get; set; } = 1;

    /// <summary>Rounds a crashed site stays down (sampled, it does not answer); it then joins again, its state intact.</summary>
    public int ReturnAfterRounds { get; set; } = 1;

    internal SiteRoundStep DropoutStep => DropoutAt.Trim().ToLowerInvariant() switch
    {
        "download" => SiteRoundStep.Download,
        "training" => SiteRoundStep.Training,
        "upload" => SiteRoundStep.Upload,
        _ => throw new ArgumentException($"--faults-dropout-at must be {DropoutStepNames}, got '{DropoutAt}'"),
    };

    internal int Total => DropoutSites + StragglerSites + CrashSites;

    public IEnumerable<string> Problems(int sites)
    {
        if (DropoutSites < 0 || StragglerSites < 0 || CrashSites < 0) yield return "--faults-dropout-sites, --faults-straggler-sites and --faults-crash-sites must be 0 or more";
        else if (sites >= 1 && Total > sites) yield return $"the faulty sites (dropouts {DropoutSites} + stragglers {StragglerSites} + crashes {CrashSites}) outnumber the {sites} sites";
        if (DropoutAt.Trim().ToLowerInvariant() is not ("download" or "training" or "upload")) yield return $"--faults-dropout-at must be {DropoutStepNames}, got '{DropoutAt}'";
        if (!(StragglerSeconds >= 0) || !double.IsFinite(StragglerSeconds)) yield return $"--faults-straggler-seconds must be 0 or more, got {StragglerSeconds}";
        if (CrashRound < 1) yield return $"--faults-crash-round must be at least 1, got {CrashRound}";
        if (ReturnAfterRounds < 1) yield return $"--faults-return-after-rounds must be at least 1, got {ReturnAfterRounds}";
    }
}
