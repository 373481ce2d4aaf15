using FedFace.Core.Training;

namespace FedFace.Learning.Training;

/// <summary>
/// What one round of local training did: mean margin loss over all steps, over the first and over the last epoch
/// (the last may be cut short by MaxSteps), the optimizer steps, the training images seen (with repeats; held-out
/// validation images are not counted) and the wall time. With a validation split: the validation loss after each
/// epoch, the best epoch (whose weights the model ends with when early stopping is on) and whether training stopped
/// early, after <see cref="EpochsRun"/> epochs.
/// </summary>
public sealed record LocalTrainingReport(
    double MeanLoss,
    double FirstEpochLoss,
    double LastEpochLoss,
    int Steps,
    long Examples,
    double Seconds,
    int EpochsRun,
    bool StoppedEarly,
    int BestEpoch,
    IReadOnlyList<double> ValidationLosses)
{
    /// <summary>Steps whose backbone gradient was scaled down to <see cref="TrainingPlan.GradientClipNorm"/>.</summary>
    public int ClippedSteps { get; init; }
    /// <summary>The longest backbone gradient of any step, before clipping; null when clipping is off (not measured).</summary>
    public double? LargestGradientNorm { get; init; }

    /// <summary>
    /// The share of the training faces seen whose class the head ranked first (no margin), each judged in its batch before
    /// that batch's step: how well the site's head tells its people apart, the figure the operator's dashboard charts.
    /// </summary>
    public double? Accuracy { get; init; }

    /// <summary>libtorch's intra-op threads on the thread that trained (what <see cref="ImagesPerSecond"/> was measured with).</summary>
    public int TorchThreads { get; init; }

    public double ImagesPerSecond => Seconds > 0 ? Examples / Seconds : 0;
}
