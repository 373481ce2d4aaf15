namespace FedFace.Evaluation.Identification;

/// <summary>
/// The k best hits seen so far (see <see cref="SearchHit.RanksAbove"/>) in a fixed-size binary min-heap whose root
/// is the worst kept hit, so rejecting a candidate — what nearly every row of a large scan does — is one comparison.
/// </summary>
internal sealed class TopKHeap
{
    private readonly SearchHit[] _hits;
    private int _count;

    public TopKHeap(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        _hits = new SearchHit[k];
    }

    public int Capacity => _hits.Length;

    /// <summary>A score below this cannot enter; one equal to it may (if its index is lower than the root's).</summary>
    public float EntryScore => _count < _hits.Length ? float.NegativeInfinity : _hits[0].Score;

    public void Offer(int index, float score)
    {
        var candidate = new SearchHit(index, score);
        if (_count < _hits.Length)
        {
            _hits[_count] = candidate;
            SiftUp(_count++);
        }
        else if (candidate.RanksAbove(_hits[0]))
        {
            _hits[0] = candidate;
            SiftDown(0);
        }
    }

    public void OfferAll(TopKHeap other)
    {
        for (int i = 0; i < other._count; i++)
        {
            Offer(other._hits[i].Index, other._hits[i].Score);
        }
    }

    /// <summary>The kept hits, best first.</summary>
    public SearchHit[] ToRankedArray()
    {
        SearchHit[] ranked = _hits.AsSpan(0, _count).ToArray();
        Array.Sort(ranked, static (a, b) => a.RanksAbove(b) ? -1 : b.RanksAbove(a) ? 1 : 0);
        return ranked;
    }

    private void SiftUp(int position)
    {
        while (position > 0)
        {
            int parent = (position - 1) / 2;
            if (!_hits[parent].RanksAbove(_hits[position]))
            {
                return;
            }
            (_hits[parent], _hits[position]) = (_hits[position], _hits[parent]);
            position = parent;
        }
    }

    private void SiftDown(int position)
    {
        while (true)
        {
            int worst = position;
            foreach (int child in (ReadOnlySpan<int>)[2 * position + 1, 2 * position + 2])
            {
                if (child < _count && _hits[worst].RanksAbove(_hits[child]))
                {
                    worst = child;
                }
            }
            if (worst == position)
            {
                return;
            }
            (_hits[worst], _hits[position]) = (_hits[position], _hits[worst]);
            position = worst;
        }
    }
}
