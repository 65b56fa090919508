import { addDays, addMonths, daysBetween, earliest, latest, monthsBetween, yearsBetween } from '../../../src/clinical/dates';

describe('dates: whole calendar months (timing thresholds are counted in them)', () => {
  it('counts whole months, flooring a month not yet completed', () => {
    expect(monthsBetween('2020-01-15', '2023-01-14')).toBe(35);
    expect(monthsBetween('2020-01-15', '2023-01-15')).toBe(36);
    expect(monthsBetween('2020-01-15', '2021-07-14')).toBe(17);
    expect(monthsBetween('2020-01-15', '2021-07-15')).toBe(18);
    expect(monthsBetween('2020-01-15', '2021-09-15')).toBe(20);
  });

  it('is zero within the same month and negative backwards', () => {
    expect(monthsBetween('2021-03-01', '2021-03-31')).toBe(0);
    expect(monthsBetween('2021-03-10', '2021-02-10')).toBe(-1);
  });

  it('gives age in completed years (birthday not yet reached = one year less)', () => {
    expect(yearsBetween('2000-06-15', '2025-06-14')).toBe(24);
    expect(yearsBetween('2000-06-15', '2025-06-15')).toBe(25);
  });
});

describe('dates: day arithmetic (relapse window, refractory day count)', () => {
  it('adds and subtracts days across month and leap-year boundaries', () => {
    expect(addDays('2021-03-01', -30)).toBe('2021-01-30');
    expect(addDays('2020-02-28', 1)).toBe('2020-02-29');
    expect(addDays('2021-12-31', 1)).toBe('2022-01-01');
  });

  it('adds calendar months, clamping to the last day of a shorter month', () => {
    expect(addMonths('2020-01-15', 3)).toBe('2020-04-15');
    expect(addMonths('2020-11-30', 3)).toBe('2021-02-28');
    expect(addMonths('2019-11-30', 3)).toBe('2020-02-29');
  });

  it('counts days between dates', () => {
    expect(daysBetween('2021-01-01', '2021-04-01')).toBe(90);
    expect(daysBetween('2021-01-01', '2021-01-22')).toBe(21);
    expect(daysBetween('2021-01-22', '2021-01-01')).toBe(-21);
  });
});

describe('dates: latest / earliest pick dated items only', () => {
  const items: { id: string; date?: string }[] = [
    { id: 'a', date: '2021-02-01' },
    { id: 'b' },
    { id: 'c', date: '2021-05-01' },
    { id: 'd', date: '2020-12-31' },
  ];
  it('latest is the most recent dated item', () => {
    expect(latest(items)?.id).toBe('c');
  });
  it('earliest is the oldest dated item', () => {
    expect(earliest(items)?.id).toBe('d');
  });
  it('an undated item never wins, and nothing dated gives undefined', () => {
    const undated: { id: string; date?: string }[] = [{ id: 'b' }];
    expect(latest(undated)).toBeUndefined();
    expect(earliest(undated)).toBeUndefined();
  });
});
