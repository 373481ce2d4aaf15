using FedFace.Evaluation.Identification;

namespace FedFace.Evaluation.Tests.Identification;

public sealed class IdentificationProtocolTests
{
    [Fact]
    public void The_split_enrols_each_first_image_probes_the_rest_and_makes_single_image_people_distractors()
    {
        IdentificationSplit split = IdentificationSplit.FromLabels(["ann", "bob", "ann", "cy", "bob", "ann", "dee"]);

        Assert.Equal([0, 1], split.GalleryImages);
        Assert.Equal([2, 4, 5], split.MatedProbes);
        Assert.Equal([3, 6], split.NonMatedProbes);
    }

    [Fact]
    public void Rank_accuracy_and_dir_at_far_on_a_hand_case()
    {
        MatedProbeOutcome[] mated = [new(1, 0.9f), new(1, 0.6f), new(2, 0.8f), new(0, 0.7f), new(1, 0.4f)];
        float[] distractors = [0.5f, 0.65f, 0.3f, 0.65f, 0.2f, 0.1f, 0.55f, 0.35f, 0.45f, 0.25f];

        IdentificationResult result = IdentificationProtocol.Compute(gallerySize: 7, mated, distractors, [0.1, 0.3, 1]);

        Assert.Equal(3 / 5.0, result.Rank1Accuracy); // ranks 1, 1, 1 of five
        Assert.Equal(4 / 5.0, result.Rank5Accuracy); // and the rank 2
        Assert.Equal((7, 5, 10), (result.GallerySize, result.MatedProbes, result.NonMatedProbes));
        // FAR 0.1 allows one false alarm, but the two highest distractors tie at 0.65: the threshold must reject
        // both, so it is the float just above 0.65, and only the 0.9 rank-1 probe is detected.
        Assert.Equal(new DirAtFar(0.1, MathF.BitIncrement(0.65f), 0, 0, 1, 0.2), result.DirAtFar[0]);
        // FAR 0.3 allows three: 0.65, 0.65, 0.55 are accepted, 0.5 is not; rank-1 probes at 0.9 and 0.6 pass.
        Assert.Equal(new DirAtFar(0.3, MathF.BitIncrement(0.5f), 3, 0.3, 2, 0.4), result.DirAtFar[1]);
        // FAR 1 accepts everything: DIR is the rank-1 rate.
        Assert.Equal(new DirAtFar(1, float.NegativeInfinity, 10, 1, 3, 0.6), result.DirAtFar[2]);
    }

    [Fact]
    public void Evaluates_a_small_labelled_set_end_to_end()
    {
        // ann and bob have three and two images; cy and dee one each (distractors). bob's second image looks like ann.
        string[] labels = ["ann", "bob", "cy", "ann", "bob", "ann", "dee"];
        float[] embeddings =
        [
            1, 0, 0, // ann: enrolled
            0, 1, 0, // bob: enrolled
            0.6f, 0.8f, 0, // cy: between ann and bob
            0.9f, 0.1f, 0, // ann: rank 1
            0.95f, 0.05f, 0, // bob: ann ranks first, bob second
            1, 0, 0.2f, // ann: rank 1
            0, 0, 1, // dee: far from everyone
        ];

        IdentificationResult result = IdentificationProtocol.Evaluate(embeddings, 3, labels, [0.5]);

        Assert.Equal((2, 3, 2), (result.GallerySize, result.MatedProbes, result.NonMatedProbes));
        Assert.Equal(2 / 3.0, result.Rank1Accuracy, 12);
        Assert.Equal(1.0, result.Rank5Accuracy);
        // FAR 0.5 allows one of two distractors: cy (0.8 against bob) is accepted, dee (0) is not, so the threshold
        // is just above 0 and both correct rank-1 probes are detected.
        DirAtFar point = Assert.Single(result.DirAtFar);
        Assert.Equal((1, 0.5, 2), (point.FalseAlarms, point.Far, point.Detections));
        Assert.Equal(MathF.BitIncrement(0f), point.Threshold);
    }

    [Fact]
    public void Dir_at_far_needs_distractors_and_the_protocol_needs_mated_probes()
    {
        Assert.Throws<ArgumentException>(() => IdentificationProtocol.Compute(1, [new(1, 0.5f)], [], [0.1]));
        Assert.Throws<ArgumentException>(() => IdentificationProtocol.Compute(1, [], [0.5f], [0.1]));
        Assert.Equal(1.0, IdentificationProtocol.Compute(1, [new(1, 0.5f)], [], []).Rank1Accuracy);
    }
}
