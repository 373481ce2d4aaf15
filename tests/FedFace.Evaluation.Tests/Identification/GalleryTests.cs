using FedFace.Evaluation.Identification;

namespace FedFace.Evaluation.Tests.Identification;

public sealed class GalleryTests
{
    [Fact]
    public void A_template_is_the_renormalised_mean_of_the_normalised_embeddings()
    {
        var gallery = new Gallery(dimension: 2);

        gallery.Enroll("ann", [3, 4], [0, 5]); // normalised (0.6, 0.8) and (0, 1); mean (0.3, 0.9)

        float norm = MathF.Sqrt(0.3f * 0.3f + 0.9f * 0.9f);
        Assert.Equal(0.3f / norm, gallery.TemplateOf("ann")[0], 1e-6f);
        Assert.Equal(0.9f / norm, gallery.TemplateOf("ann")[1], 1e-6f);
        Assert.Equal(["ann"], gallery.PersonIds);
    }

    [Fact]
    public void Identify_ranks_people_by_cosine_similarity_and_the_open_set_decision_uses_the_top_score()
    {
        var gallery = new Gallery(dimension: 2);
        gallery.Enroll("east", [1, 0]);
        gallery.Enroll("north", [0, 2]);
        gallery.Enroll("north-east", [1, 1]);

        IReadOnlyList<GalleryMatch> matches = gallery.Identify([10, 1], k: 2); // the probe's length does not matter

        Assert.Equal(["east", "north-east"], matches.Select(m => m.PersonId));
        Assert.Equal(10 / MathF.Sqrt(101), matches[0].Score, 1e-6f);
        Assert.Equal(3, gallery.Identify([1, 0], k: 10).Count);

        float best = gallery.Identify([0, 1], 1)[0].Score;
        OpenSetResult atTheScore = gallery.IdentifyOpenSet([0, 1], threshold: best);
        Assert.True(atTheScore.Accepted); // accepted when the top score is ≥ the threshold
        Assert.Equal("north", atTheScore.IdentifiedPersonId);
        OpenSetResult justAbove = gallery.IdentifyOpenSet([0, 1], threshold: MathF.BitIncrement(best));
        Assert.False(justAbove.Accepted);
        Assert.Null(justAbove.IdentifiedPersonId);
        Assert.Equal("north", justAbove.Candidates[0].PersonId);
    }

    [Fact]
    public void Grows_past_its_initial_capacity()
    {
        var gallery = new Gallery(dimension: 100);
        for (int i = 0; i < 100; i++)
        {
            var oneHot = new float[100];
            oneHot[i] = 1;
            gallery.Enroll($"p{i}", oneHot);
        }
        var probe = new float[100];
        probe[57] = 2;

        Assert.Equal(100, gallery.Count);
        Assert.Equal(new GalleryMatch("p57", 1), gallery.Identify(probe, 1)[0]);
    }

    [Fact]
    public void Refuses_bad_enrolments_and_probes()
    {
        var gallery = new Gallery(dimension: 2);
        gallery.Enroll("ann", [1, 0]);

        Assert.Contains("already enrolled", Assert.Throws<InvalidOperationException>(() => gallery.Enroll("ann", [0, 1])).Message);
        Assert.Contains("dimension 3", Assert.Throws<ArgumentException>(() => gallery.Enroll("bob", [1, 2, 3])).Message);
        Assert.Contains("zero vector", Assert.Throws<ArgumentException>(() => gallery.Enroll("bob", [0, 0])).Message);
        Assert.Contains("cancel out", Assert.Throws<ArgumentException>(() => gallery.Enroll("bob", [1, 0], [-1, 0])).Message);
        Assert.Throws<ArgumentException>(() => gallery.Enroll("bob"));
        Assert.Throws<ArgumentException>(() => gallery.Identify([1, 0, 0], 1));
        Assert.Throws<KeyNotFoundException>(() => gallery.TemplateOf("bob"));
        Assert.Equal(1, gallery.Count);
    }

    [Fact]
    public void Saves_and_loads_the_same_gallery()
    {
        using var scratch = new TempDirectory();
        var gallery = new Gallery(dimension: 5);
        float[] embeddings = RandomEmbeddings.Normal(40, 5, seed: 9);
        for (int i = 0; i < 20; i++)
        {
            gallery.EnrollRows(i == 3 ? "Zoë Ñúñez 张伟" : $"person-{i}", embeddings.AsSpan(i * 10, 10)); // two embeddings each
        }
        string path = scratch.File("gallery.ffg");

        gallery.Save(path);
        Gallery loaded = Gallery.Load(path);

        Assert.Equal(gallery.Dimension, loaded.Dimension);
        Assert.Equal(gallery.PersonIds, loaded.PersonIds);
        Assert.Equal(gallery.Templates.ToArray(), loaded.Templates.ToArray());
        float[] probe = [0.3f, -1, 2, 0, 0.5f];
        Assert.Equal(gallery.Identify(probe, 5), loaded.Identify(probe, 5));

        new Gallery(dimension: 7).Save(path);
        Assert.Equal(0, Gallery.Load(path).Count);
        Assert.Empty(Gallery.Load(path).Identify(new float[] { 1, 0, 0, 0, 0, 0, 0 }, 3));
    }
}
