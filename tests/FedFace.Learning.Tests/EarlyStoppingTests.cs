using FedFace.Core.Training;
using FedFace.Learning.Training;
using Xunit.Abstractions;

namespace FedFace.Learning.Tests;

public sealed class EarlyStoppingTests(ITestOutputHelper output)
{
    [Fact]
    public void Stops_once_patience_epochs_in_a_row_have_not_beaten_the_best_loss()
    {
        var stopping = new EarlyStopping(patience: 2);
        bool[] stops = [.. new[] { 3.0, 2.0, 2.5, 1.5, 1.6, 1.5, 9.0 }.Select((loss, i) => stopping.ShouldStop(i + 1, loss))];

        Assert.Equal([false, false, false, false, false, true, true], stops); // epoch 6 is the 2nd without beating 1.5
        Assert.Equal((4, 1.5), (stopping.BestEpoch, stopping.BestLoss));       // a tie is no improvement
    }

    [Fact]
    public void Patience_zero_records_the_best_epoch_but_never_stops()
    {
        var stopping = new EarlyStopping(patience: 0);
        Assert.DoesNotContain(true, new[] { 1.0, 2.0, 3.0, 4.0 }.Select((loss, i) => stopping.ShouldStop(i + 1, loss)));
        Assert.Equal(1, stopping.BestEpoch);
    }

    [Fact]
    public void Training_stops_early_when_the_held_out_loss_rises_and_ends_with_the_best_epochs_weights()
    {
        // The crafted case: the validation faces are the training faces with the two people's labels swapped, so the
        // better the model fits the training labels, the worse its validation loss.
        FaceTrainingSet training = OrlFaces.Load(people: 2, imagesPerPerson: 4);
        var swapped = training with { Labels = [.. training.Labels.Select(label => 1 - label)] };
        using var site = new SiteModel(training.ClassCount, seed: 1);
        site.LoadGlobal(GlobalModelFactory.CreateInitial(seed: 7));
        var options = TrainingPlan.Default with { LocalEpochs = 6, BatchSize = 4, EarlyStoppingPatience = 1, Seed = 5 };

        LocalTrainingReport report = site.Train(training, swapped, options);

        output.WriteLine($"validation losses {string.Join(", ", report.ValidationLosses.Select(l => l.ToString("F3")))}; "
            + $"stopped early: {report.StoppedEarly} after epoch {report.EpochsRun}, best {report.BestEpoch}");
        Assert.True(report.StoppedEarly);
        Assert.True(report.EpochsRun < options.LocalEpochs);
        Assert.Equal(report.BestEpoch + options.EarlyStoppingPatience, report.EpochsRun);
        Assert.Equal(report.EpochsRun, report.ValidationLosses.Count);
        Assert.Equal(report.EpochsRun * 2, report.Steps); // 8 faces, batches of 4
        // The model was put back to the best epoch: its validation loss is that epoch's again.
        Assert.Equal(report.ValidationLosses[report.BestEpoch - 1], site.MeanLoss(swapped), 1e-4);
    }

    [Fact]
    public void The_validation_split_holds_out_a_share_of_every_person_and_keeps_every_person_in_training()
    {
        // Tiny blank faces: only labels matter here. People with 1, 2, 5 and 10 images.
        int[] labels = [0, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3];
        var data = new FaceTrainingSet(new float[labels.Length * FaceTrainingSet.ValuesPerImage], labels, ClassCount: 4);
        for (int i = 0; i < labels.Length; i++)
        {
            data.Pixels[i * FaceTrainingSet.ValuesPerImage] = i; // tag each image so the halves can be told apart
        }

        (FaceTrainingSet train, FaceTrainingSet held) = ValidationSplit.PerPerson(data, fraction: 0.2, seed: 9);

        int[] HeldPer(FaceTrainingSet set, int person) => [.. Enumerable.Range(0, set.ImageCount).Where(i => set.Labels[i] == person)];
        Assert.Equal([0, 1, 1, 2], Enumerable.Range(0, 4).Select(p => HeldPer(held, p).Length)); // round(0.2·n), ≥ 1 when n ≥ 2
        Assert.All(Enumerable.Range(0, 4), p => Assert.NotEmpty(HeldPer(train, p)));
        float[] Tags(FaceTrainingSet set) => [.. Enumerable.Range(0, set.ImageCount).Select(i => set.Pixels[i * FaceTrainingSet.ValuesPerImage])];
        Assert.Empty(Tags(train).Intersect(Tags(held)));
        Assert.Equal(labels.Length, train.ImageCount + held.ImageCount);
        Assert.Equal(Tags(held), Tags(ValidationSplit.PerPerson(data, 0.2, seed: 9).Validation)); // the seed fixes the split
    }

    [Fact]
    public void With_a_validation_fraction_the_report_counts_training_images_only_and_a_validation_loss_per_epoch()
    {
        FaceTrainingSet faces = OrlFaces.Load(people: 2, imagesPerPerson: 5); // 1 of each person's 5 held out
        using var site = new SiteModel(faces.ClassCount, seed: 1);

        LocalTrainingReport report = site.Train(faces, TrainingPlan.Default with { BatchSize = 8, ValidationFraction = 0.2f, Seed = 2 });

        Assert.Equal(8, report.Examples);
        Assert.Single(report.ValidationLosses);
        Assert.Equal((1, 1, false), (report.EpochsRun, report.BestEpoch, report.StoppedEarly));
    }
}
