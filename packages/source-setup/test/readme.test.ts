import * as fs from 'node:fs';
import * as path from 'node:path';
import { MYSQL_REQUIREMENTS, POSTGRES_REQUIREMENTS } from '../src';

/** The README documents every requirement, so a new one cannot ship undocumented. */
describe('README', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const section = (title: string): string => readme.split(`## ${title}`)[1].split('\n## ')[0];

  test.each(POSTGRES_REQUIREMENTS.map((requirement) => requirement.id))('PostgreSQL requirement %s has a row', (id) => {
    expect(section('PostgreSQL requirements')).toContain(`| \`${id}\` |`);
  });

  test.each(MYSQL_REQUIREMENTS.map((requirement) => requirement.id))('MySQL requirement %s has a row', (id) => {
    expect(section('MySQL / MariaDB requirements')).toContain(`| \`${id}\` |`);
  });
});
