namespace FedFace.Learning.Training;

/// <summary>
/// Holds out a share of every person's images (person-stratified), so the validation loss covers each identity the
/// head knows and no person is lost to training: a person with n ≥ 2 images gives round(fraction·n) of them, at
/// least 1 and at most n − 1; a person with one image gives none. Which images is drawn from the seed.
/// </summary>
internal static class ValidationSplit
{
    public static (FaceTrainingSet Training, FaceTrainingSet Validation) PerPerson(FaceTrainingSet data, double fraction, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fraction);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(fraction, 1.0);
        // Its own stream, apart from the batch sampler's, so changing the split never changes the batches' flips.
        var random = new Random(unchecked((int)(seed ^ (seed >> 32) ^ 0x51A7)));
        var training = new List<int>();
        var validation = new List<int>();
        foreach (IGrouping<int, int> person in Enumerable.Range(0, data.ImageCount).GroupBy(i => data.Labels[i]).OrderBy(g => g.Key))
        {
            int[] images = person.ToArray();
            random.Shuffle(images);
            int held = images.Length < 2 ? 0 : Math.Clamp((int)Math.Round(fraction * images.Length, MidpointRounding.AwayFromZero), 1, images.Length - 1);
            validation.AddRange(images[..held]);
            training.AddRange(images[held..]);
        }
        training.Sort();
        validation.Sort();
        return (data.Subset(training), data.Subset(validation));
    }
}
