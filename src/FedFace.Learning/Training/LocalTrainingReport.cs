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
    public double ImagesPerSecond => Seconds > 0 ? Examples / Seconds : 0;
}
