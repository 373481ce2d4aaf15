namespace FedFace.Learning.Training;

/// <summary>
/// What one round of local training did: mean ArcFace loss over all steps, over the first and over the last epoch
/// (the last may be cut short by MaxSteps), the optimizer steps, the images seen (with repeats) and the wall time.
/// </summary>
public sealed record LocalTrainingReport(
    double MeanLoss,
    double FirstEpochLoss,
    double LastEpochLoss,
    int Steps,
    long Examples,
    double Seconds)
{
    public double ImagesPerSecond => Seconds > 0 ? Examples / Seconds : 0;
}
