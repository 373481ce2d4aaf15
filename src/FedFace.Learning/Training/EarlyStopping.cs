namespace FedFace.Learning.Training;

/// <summary>
/// Watches the validation loss after each epoch and says when <see cref="Patience"/> epochs in a row have not
/// lowered it. Patience 0 only records the best epoch and never stops.
/// </summary>
internal sealed class EarlyStopping(int patience)
{
    public int Patience { get; } = patience >= 0 ? patience : throw new ArgumentOutOfRangeException(nameof(patience));

    /// <summary>1-based epoch of the lowest loss so far; 0 before the first.</summary>
    public int BestEpoch { get; private set; }

    public double BestLoss { get; private set; } = double.PositiveInfinity;

    /// <summary>Records epoch <paramref name="epoch"/>'s loss; true when training should stop now.</summary>
    public bool ShouldStop(int epoch, double validationLoss)
    {
        if (validationLoss < BestLoss)
        {
            BestLoss = validationLoss;
            BestEpoch = epoch;
            return false;
        }
        return Patience > 0 && epoch - BestEpoch >= Patience;
    }

    public bool IsBest(int epoch) => BestEpoch == epoch;
}
