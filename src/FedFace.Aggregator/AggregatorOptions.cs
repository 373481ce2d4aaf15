using FedFace.Core.Aggregation;

namespace FedFace.Aggregator;

/// <summary>What a site is asked to do in a round; sent to it in the round task.</summary>
public sealed class LocalTrainingSettings
{
    public int LocalEpochs { get; set; } = 1;
    public int BatchSize { get; set; } = 32;
    public float LearningRate { get; set; } = 0.05f;
    public float Momentum { get; set; } = 0.9f;
    public float WeightDecay { get; set; } = 5e-4f;
    public float ArcFaceScale { get; set; } = 64f;
    public float ArcFaceMargin { get; set; } = 0.5f;
    /// <summary>0 means no cap beyond <see cref="LocalEpochs"/>.</summary>
    public int MaxSteps { get; set; }
}

/// <summary>The aggregator's settings (section "Aggregator"), validated at start-up.</summary>
public sealed class AggregatorOptions
{
    public const string Section = "Aggregator";

    public string FederationName { get; set; } = "FedFace";
    public string ListenAddress { get; set; } = "127.0.0.1";
    /// <summary>0 picks a free port (tests, simulator).</summary>
    public int Port { get; set; } = 7443;
    public string CertificatePath { get; set; } = "certs/generated/aggregator.crt";
    public string KeyPath { get; set; } = "certs/generated/aggregator.key";
    public string CaCertificatePath { get; set; } = "certs/generated/ca.crt";
    public string StateDirectory { get; set; } = "aggregator-state";
    /// <summary>The version-0 global model (a FedFace model file); used only when no state is committed yet.</summary>
    public string? InitialModelPath { get; set; }

    public int MinSites { get; set; } = 2;
    /// <summary>Fraction of joined sites sampled per round (at least MinSites are always sampled).</summary>
    public double SampleFraction { get; set; } = 1.0;
    public int RoundDeadlineSeconds { get; set; } = 600;
    /// <summary>Rounds to commit before the federation finishes.</summary>
    public int TotalRounds { get; set; } = 10;
    public int WaitRetryMilliseconds { get; set; } = 1000;
    public int SamplingSeed { get; set; } = 1;
    public LocalTrainingSettings Training { get; set; } = new();
    /// <summary>How the round's mean delta becomes the next global model (section Aggregator:ServerOptimizer).</summary>
    public ServerOptimizerSettings ServerOptimizer { get; set; } = new();

    /// <summary>Every problem with the settings, as sentences; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        void Require(bool condition, string message)
        {
            if (!condition)
            {
                problems.Add(message);
            }
        }
        Require(Port is >= 0 and <= 65535, $"Aggregator:Port must be 0..65535, got {Port}");
        Require(MinSites >= 1, $"Aggregator:MinSites must be at least 1, got {MinSites}");
        Require(SampleFraction is > 0 and <= 1, $"Aggregator:SampleFraction must be in (0, 1], got {SampleFraction}");
        Require(RoundDeadlineSeconds > 0, $"Aggregator:RoundDeadlineSeconds must be positive, got {RoundDeadlineSeconds}");
        Require(TotalRounds >= 1, $"Aggregator:TotalRounds must be at least 1, got {TotalRounds}");
        Require(WaitRetryMilliseconds > 0, $"Aggregator:WaitRetryMilliseconds must be positive, got {WaitRetryMilliseconds}");
        Require(Training.LocalEpochs >= 1, $"Aggregator:Training:LocalEpochs must be at least 1, got {Training.LocalEpochs}");
        Require(Training.BatchSize >= 2, $"Aggregator:Training:BatchSize must be at least 2 (BatchNorm), got {Training.BatchSize}");
        Require(Training.LearningRate > 0, $"Aggregator:Training:LearningRate must be positive, got {Training.LearningRate}");
        problems.AddRange(ServerOptimizer.Problems("Aggregator:ServerOptimizer"));
        foreach ((string name, string path) in new[] { ("CertificatePath", CertificatePath), ("KeyPath", KeyPath), ("CaCertificatePath", CaCertificatePath) })
        {
            Require(File.Exists(path), $"Aggregator:{name} '{path}' does not exist (make the PKI with: dotnet run --project certs -- --out certs/generated)");
        }
        return problems;
    }
}

/// <summary>Reports every settings problem by name at start-up.</summary>
internal sealed class AggregatorOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<AggregatorOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, AggregatorOptions options)
    {
        IReadOnlyList<string> problems = options.Problems();
        return problems.Count == 0
            ? Microsoft.Extensions.Options.ValidateOptionsResult.Success
            : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(problems);
    }
}
