using FedFace.DevelopmentData;
using FedFace.Evaluation;

namespace FedFace.Evaluation.Tests;

public sealed class LfwPairsFileTests : IDisposable
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), $"lfw-pairs-{Guid.NewGuid():N}.txt");

    [Fact]
    public void Reads_the_real_file_as_10_folds_of_300_matched_then_300_mismatched_pairs()
    {
        IReadOnlyList<LfwPair> pairs = LfwPairsFile.Read(SharedData.LfwPairsFile);

        Assert.Equal(6000, pairs.Count);
        Assert.Equal(Enumerable.Range(1, 10), pairs.Select(p => p.Fold).Distinct());
        Assert.All(pairs.GroupBy(p => p.Fold), fold =>
        {
            Assert.Equal(Enumerable.Repeat(true, 300), fold.Take(300).Select(p => p.SamePerson));
            Assert.Equal(Enumerable.Repeat(false, 300), fold.Skip(300).Select(p => p.SamePerson));
        });
        Assert.Equal(new LfwPair("Abel_Pacheco", 1, "Abel_Pacheco", 4, 1), pairs[0]);
        Assert.Equal(new LfwPair("Abdel_Madi_Shabneh", 1, "Dean_Barker", 1, 1), pairs[300]);
        var images = pairs.SelectMany(p => new[] { (Person: p.Person1, Number: p.Image1), (Person: p.Person2, Number: p.Image2) }).Distinct().ToList();
        Assert.Equal(7701, images.Count); // as the data README states
        Assert.True(File.Exists(SharedData.LfwImage(images[0].Person, images[0].Number)));
    }

    [Fact]
    public void A_malformed_line_is_reported_with_its_line_number()
    {
        File.WriteAllLines(_scratch, ["2 1", "Ann 1 2", "Bob 1 Carl", "Dan 1 3", "Eve 1 Fay 2"]);

        var error = Assert.Throws<FormatException>(() => LfwPairsFile.Read(_scratch));
        Assert.Contains($"{_scratch}:3:", error.Message);
        Assert.Contains("mismatched pair 1 of fold 1", error.Message);
        Assert.Contains("'Bob 1 Carl'", error.Message);
    }

    [Fact]
    public void A_truncated_file_and_a_bad_header_are_reported()
    {
        File.WriteAllLines(_scratch, ["2 1", "Ann 1 2", "Bob 1 Carl 2"]);
        Assert.Contains("ends where matched pair 1 of fold 2", Assert.Throws<FormatException>(() => LfwPairsFile.Read(_scratch)).Message);

        File.WriteAllLines(_scratch, ["ten 300"]);
        Assert.Contains($"{_scratch}:1: the header", Assert.Throws<FormatException>(() => LfwPairsFile.Read(_scratch)).Message);
    }

    public void Dispose() => File.Delete(_scratch);
}
