import { describe, expect, it } from 'vitest';
import { TemplateError, fillTemplate, templateNames, type TemplateValues } from './cmdline-template.ts';

const values: TemplateValues = {
  image_url: 'http://198.18.0.1/images/arch',
  iso_url: 'http://198.18.0.1/images/arch.iso',
  server: '198.18.0.1',
  mac: '52:54:00:12:34:56',
  mac_hyphen: '52-54-00-12-34-56',
  nbd_export: 'arch',
  nbd_port: '10809',
};

describe('command-line templates', () => {
  it('fills every placeholder, leaving shell-style ${…} alone', () => {
    expect(fillTemplate('archiso_http_srv={{image_url}}/ BOOTIF=01-{{mac_hyphen}} x=${pxeserver} nbd={{server}}:{{nbd_port}}/{{nbd_export}} {{ iso_url }}', values)).toBe(
      'archiso_http_srv=http://198.18.0.1/images/arch/ BOOTIF=01-52-54-00-12-34-56 x=${pxeserver} nbd=198.18.0.1:10809/arch http://198.18.0.1/images/arch.iso',
    );
  });

  it('refuses an unknown placeholder, naming it and the known ones', () => {
    expect(() => fillTemplate('a={{imageurl}}', values)).toThrow(TemplateError);
    expect(() => fillTemplate('a={{imageurl}}', values)).toThrow(/\{\{imageurl\}\}.*known: image_url/);
  });

  it('lists the names a template uses', () => {
    expect(templateNames('{{server}} {{mac}} {{server}} {{bogus}}')).toEqual(['server', 'mac', 'bogus']);
  });
});
