using FedFace.Core.Training;
using FedFace.Learning.Heads;
using static TorchSharp.torch;

namespace FedFace.Learning.Tests;

public sealed class ArcFaceHeadTests
{
    private const double Scale = 8;
    private const double Margin = 0.5;

    // Three 2-d class centres and three labelled embeddings (deliberately not unit length: the head normalises):
    // sample 0 lies on its class centre (θ = 0), sample 1 at 45° from its centre, and sample 2 at about 174° from
    // its centre, so θ + m > π there and the linear fallback applies.
    private static readonly float[,] s_centres = { { 1, 0 }, { 0, 2 }, { -3, 0 } };
    private static readonly float[,] s_embeddings = { { 2, 0 }, { 1, 1 }, { 1, 0.1f } };
    private static readonly long[] s_labels = [0, 1, 2];

    [Fact]
    public void Loss_equals_the_hand_computed_arcface_cross_entropy_including_a_sample_past_pi_minus_m()
    {
        using var head = NewHead();
        using var scope = NewDisposeScope();
        double loss = head.Loss(tensor(s_embeddings), tensor(s_labels)).item<float>();

        Assert.Equal(ExpectedLoss(), loss, 1e-4);
    }

    [Fact]
    public void Sample_past_pi_minus_m_gets_cos_theta_minus_m_sin_m_not_cos_theta_plus_m()
    {
        using var head = NewHead();
        using var scope = NewDisposeScope();
        float[] logits = head.call(tensor(s_embeddings), tensor(s_labels)).data<float>().ToArray();

        double cosine = Cosine(2, 2);
        Assert.True(Math.Acos(cosine) + Margin > Math.PI); // the case under test
        Assert.Equal(Scale * (cosine - Math.Sin(Math.PI - Margin) * Margin), logits[2 * 3 + 2], 1e-4);
        Assert.Equal(Scale * Math.Cos(Math.PI / 4 + Margin), logits[1 * 3 + 1], 1e-4);
        Assert.Equal(Scale * Cosine(1, 0), logits[1 * 3 + 0], 1e-4); // other classes: plain s·cos θ
    }

    [Fact]
    public void Gradients_stay_finite_when_an_embedding_lies_exactly_on_its_centre()
    {
        using var head = NewHead();
        using var scope = NewDisposeScope();
        Tensor embeddings = tensor(s_embeddings).requires_grad_();
        head.Loss(embeddings, tensor(s_labels)).backward();

        Assert.True(isfinite(embeddings.grad!).all().item<bool>());
        Assert.True(isfinite(head.Weight.grad!).all().item<bool>());
    }

    [Fact]
    public void Defaults_are_s_64_and_m_0_5_and_the_weights_follow_the_seed()
    {
        using var head = new ArcFaceHead(classCount: 10, seed: 1);
        using var twin = new ArcFaceHead(classCount: 10, seed: 1);
        Assert.Equal((MarginKind.ArcFace, 64.0, 0.5), (head.Kind, head.Scale, head.Margin));
        Assert.Equal(0.35, ArcFaceHead.DefaultMarginFor(MarginKind.CosFace));
        Assert.Equal(new long[] { 10, 128 }, head.Weight.shape);
        Assert.Equal(head.Weight.data<float>().ToArray(), twin.Weight.data<float>().ToArray());
    }

    [Fact]
    public void CosFace_loss_equals_the_hand_computed_cross_entropy_of_s_times_cos_theta_minus_m()
    {
        const double cosFaceMargin = 0.35;
        using var head = NewHead(MarginKind.CosFace, cosFaceMargin);
        using var scope = NewDisposeScope();
        double loss = head.Loss(tensor(s_embeddings), tensor(s_labels)).item<float>();
        float[] logits = head.call(tensor(s_embeddings), tensor(s_labels)).data<float>().ToArray();

        Assert.Equal(ExpectedLoss(TrueClassCosFace), loss, 1e-4);
        // No special case past π − m for CosFace: the sample at about 174° gets s·(cos θ − m) like the others.
        Assert.Equal(Scale * (Cosine(2, 2) - cosFaceMargin), logits[2 * 3 + 2], 1e-4);
        Assert.Equal(Scale * (1 - cosFaceMargin), logits[0], 1e-4);
        Assert.Equal(Scale * Cosine(0, 1), logits[1], 1e-4);

        double TrueClassCosFace(double cosine) => cosine - cosFaceMargin;
    }

    [Fact]
    public void A_margin_outside_its_kinds_range_is_refused()
    {
        using var head = NewHead();
        Assert.Throws<ArgumentOutOfRangeException>(() => head.SetMargin(MarginKind.ArcFace, 64, Math.PI / 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => head.SetMargin(MarginKind.CosFace, 64, 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => head.SetMargin(MarginKind.CosFace, 0, 0.35));
        head.SetMargin(MarginKind.CosFace, 30, 0.35);
        Assert.Equal((MarginKind.CosFace, 30.0, 0.35), (head.Kind, head.Scale, head.Margin));
    }

    [Fact]
    public void Mean_embedding_initialisation_points_each_present_class_at_its_mean_unit_embedding()
    {
        using var head = NewHead();
        using var scope = NewDisposeScope();
        // Class 0: two embeddings at 0° and 90° (lengths differ; each is normalised first) → centre at 45°.
        // Class 1: one embedding along −x. Class 2: none, so it keeps its centre (−3, 0).
        Tensor embeddings = tensor(new float[,] { { 5, 0 }, { 0, 0.5f }, { -2, 0 } });
        Tensor labels = tensor(new long[] { 0, 0, 1 });

        head.InitializeFromMeanEmbeddings(embeddings, labels);

        float[] centres = head.Weight.data<float>().ToArray();
        float half = MathF.Sqrt(0.5f);
        Assert.Equal(new[] { half, half, -1f, 0f, -3f, 0f }, centres, (a, b) => Math.Abs(a - b) < 1e-6);
    }

    private static ArcFaceHead NewHead(MarginKind kind = MarginKind.ArcFace, double margin = Margin)
    {
        var head = new ArcFaceHead(classCount: 3, seed: 1, embeddingSize: 2, scale: Scale, margin: margin, kind: kind);
        using var noGrad = no_grad();
        head.Weight.copy_(tensor(s_centres));
        return head;
    }

    /// <summary>The textbook ArcFace target logit, with the angle from acos (the head uses the cos/sin identity instead).</summary>
    private static double TrueClassArcFace(double cosine)
    {
        double theta = Math.Acos(cosine);
        return theta + Margin <= Math.PI ? Math.Cos(theta + Margin) : cosine - Math.Sin(Math.PI - Margin) * Margin;
    }

    /// <summary>Mean cross-entropy with s·cos θ for the other classes and s·<paramref name="trueClass"/>(cos θ) for the label.</summary>
    private static double ExpectedLoss(Func<double, double>? trueClass = null)
    {
        trueClass ??= TrueClassArcFace;
        double total = 0;
        for (int i = 0; i < 3; i++)
        {
            var logits = new double[3];
            for (int c = 0; c < 3; c++)
            {
                double cosine = Cosine(i, c);
                logits[c] = Scale * (c != s_labels[i] ? cosine : trueClass(cosine));
            }
            double logSumExp = Math.Log(logits.Sum(Math.Exp));
            total += logSumExp - logits[s_labels[i]];
        }
        return total / 3;
    }

    private static double Cosine(int sample, int centre)
    {
        double ex = s_embeddings[sample, 0], ey = s_embeddings[sample, 1];
        double wx = s_centres[centre, 0], wy = s_centres[centre, 1];
        return (ex * wx + ey * wy) / Math.Sqrt((ex * ex + ey * ey) * (wx * wx + wy * wy));
    }
}
