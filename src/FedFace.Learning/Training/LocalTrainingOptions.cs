using FedFace.Learning.Heads;

namespace FedFace.Learning.Training;

/// <summary>
/// One round of local training: SGD with momentum and weight decay for <see cref="Epochs"/> passes over the site's
/// faces, or fewer when <see cref="MaxSteps"/> (0 = no cap) is reached first. <see cref="Seed"/> fixes the shuffle
/// and the flips.
/// </summary>
public sealed record LocalTrainingOptions(
    int Epochs,
    int BatchSize,
    float LearningRate,
    float Momentum,
    float WeightDecay,
    float ArcFaceScale,
    float ArcFaceMargin,
    int MaxSteps,
    ulong Seed)
{
    /// <summary>Defaults in the spirit of arcface_torch's SGD set-up, for a short federated round.</summary>
    public static LocalTrainingOptions Default { get; } = new(
        Epochs: 1, BatchSize: 32, LearningRate: 0.1f, Momentum: 0.9f, WeightDecay: 5e-4f,
        ArcFaceScale: (float)ArcFaceHead.DefaultScale, ArcFaceMargin: (float)ArcFaceHead.DefaultMargin, MaxSteps: 0, Seed: 0);

    public void Validate()
    {
        Require(Epochs >= 1, nameof(Epochs), Epochs, "must be at least 1");
        Require(BatchSize >= 2, nameof(BatchSize), BatchSize, "must be at least 2 (BatchNorm needs two images)");
        Require(LearningRate > 0 && float.IsFinite(LearningRate), nameof(LearningRate), LearningRate, "must be a positive number");
        Require(Momentum >= 0 && Momentum < 1, nameof(Momentum), Momentum, "must be in [0, 1)");
        Require(WeightDecay >= 0 && float.IsFinite(WeightDecay), nameof(WeightDecay), WeightDecay, "must be zero or positive");
        Require(MaxSteps >= 0, nameof(MaxSteps), MaxSteps, "must be zero (no cap) or positive");
        // The head checks ArcFaceScale and ArcFaceMargin.
    }

    private static void Require(bool condition, string name, object value, string rule)
    {
        if (!condition)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} {rule}, got {value}");
        }
    }
}
