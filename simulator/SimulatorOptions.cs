namespace FedFace.Simulator;

/// <summary>A simulated federation's settings. Defaults are the README demo: a few minutes on 2 cores.</summary>
public sealed class SimulatorOptions
{
    public int Sites { get; set; } = 4;
    public int Rounds { get; set; } = 5;
    /// <summary>Training people: those of lfw-pairs.txt folds 1–5 with at least this many LFW images.</summary>
    public int MinImagesPerPerson { get; set; } = 5;
    public int MaxImagesPerPerson { get; set; } = 8;
    /// <summary>0 = every eligible person.</summary>
    public int MaxPeople { get; set; } = 48;
    public int LocalEpochs { get; set; } = 2;
    public int BatchSize { get; set; } = 32;
    public float LearningRate { get; set; } = 0.1f;
    public float ArcFaceScale { get; set; } = 64f;
    public float ArcFaceMargin { get; set; } = 0.5f;
    public int MaxStepsPerRound { get; set; } = 0;
    public double SampleFraction { get; set; } = 1.0;
    public int RoundDeadlineSeconds { get; set; } = 900;
    /// <summary>Pairs scored per held-out fold (half matched, half not); 0 = all 600 of each of folds 6–10 (slower, exact protocol).</summary>
    public int EvalPairsPerFold { get; set; } = 100;
    public int Seed { get; set; } = 7;
    public string OutputDirectory { get; set; } = "runs/demo";
    /// <summary>The shared data folder; empty = FEDFACE_SHARED_DIR or the "shared" folder next to the checkout.</summary>
    public string SharedDirectory { get; set; } = "";

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Sites < 1) problems.Add($"--sites must be at least 1, got {Sites}");
        if (Rounds < 1) problems.Add($"--rounds must be at least 1, got {Rounds}");
        if (MinImagesPerPerson < 2) problems.Add($"--min-images must be at least 2, got {MinImagesPerPerson}");
        if (MaxImagesPerPerson < MinImagesPerPerson) problems.Add($"--max-images ({MaxImagesPerPerson}) must be at least --min-images ({MinImagesPerPerson})");
        if (BatchSize < 2) problems.Add($"--batch-size must be at least 2, got {BatchSize}");
        if (LocalEpochs < 1) problems.Add($"--epochs must be at least 1, got {LocalEpochs}");
        if (SampleFraction is <= 0 or > 1) problems.Add($"--sample-fraction must be in (0, 1], got {SampleFraction}");
        return problems;
    }

    /// <summary>Short command-line names for the settings above.</summary>
    public static IDictionary<string, string> SwitchMappings { get; } = new Dictionary<string, string>
    {
        ["--sites"] = nameof(Sites),
        ["--rounds"] = nameof(Rounds),
        ["--min-images"] = nameof(MinImagesPerPerson),
        ["--max-images"] = nameof(MaxImagesPerPerson),
        ["--max-people"] = nameof(MaxPeople),
        ["--epochs"] = nameof(LocalEpochs),
        ["--batch-size"] = nameof(BatchSize),
        ["--lr"] = nameof(LearningRate),
        ["--max-steps"] = nameof(MaxStepsPerRound),
        ["--sample-fraction"] = nameof(SampleFraction),
        ["--deadline"] = nameof(RoundDeadlineSeconds),
        ["--eval-pairs-per-fold"] = nameof(EvalPairsPerFold),
        ["--seed"] = nameof(Seed),
        ["--out"] = nameof(OutputDirectory),
        ["--shared"] = nameof(SharedDirectory),
    };
}
